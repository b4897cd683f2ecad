fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("musl") {
        println!("cargo:rustc-cfg=musl");
    }
}
