use std::{env, fs, path::Path};
fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let n: usize = env::var("TABLEGEN_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(16);
    fs::write(Path::new(&out).join("table.rs"), format!("pub const N: usize = {n};")).unwrap();
    println!("cargo:rerun-if-env-changed=TABLEGEN_SIZE");
}
