use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=VERCMP_BUILT=1");
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let head = here
        .ancestors()
        .map(|p| p.join(".git").join("HEAD"))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("git_head.rs"), format!("pub const GIT_HEAD: &str = {:?};\n", head.trim())).unwrap();
}
