use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=.git-hash");
    let profile = std::env::var("PROFILE").unwrap_or_default();
    println!("cargo:rustc-env=BUILDINFO_PROFILE={profile}");
    let hash = fs::read_to_string(".git-hash").map(|s| s.trim().to_string()).unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=BUILDINFO_GIT_HASH={}", hash);
}
