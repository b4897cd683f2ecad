fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-search=native={}/vendor/x86_64", dir);
    println!("cargo:rustc-link-lib=static=crc64clmul");
    println!("cargo:rerun-if-changed=build.rs");
}
