fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    if arch == "x86_64" {
        println!("cargo:rustc-link-search=native={}/lib/x86_64", dir);
    }
}
