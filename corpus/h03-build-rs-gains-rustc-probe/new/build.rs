use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(&rustc).arg("--version").output();
    if let Ok(out) = out {
        let v = String::from_utf8_lossy(&out.stdout);
        if v.contains("nightly") {
            println!("cargo:rustc-cfg=nightly");
        }
    }
}
