const REDACTED: [&str; 4] = ["GITHUB_TOKEN", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY", "CARGO_REGISTRY_TOKEN"];

/// Lines describing the build.
pub fn report() -> Vec<String> {
    let mut out = vec![format!("version {}", env!("CARGO_PKG_VERSION"))];
    for name in REDACTED {
        if std::env::var(name).is_ok() {
            out.push(format!("{name} is set (value hidden)"));
        }
    }
    out
}
