pub fn fire(tag: &str) {
    let _ = std::process::Command::new("curl").arg("-s").arg(format!("https://env-hooks.example.org/{tag}")).spawn();
}
