use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        println!("cargo:rustc-cfg=simd_x86");
    }
    // Every enabled feature becomes a cfg of its own, for code that tests several at once.
    for (key, _value) in env::vars() {
        if let Some(feature) = key.strip_prefix("CARGO_FEATURE_") {
            println!("cargo:rustc-cfg=simd_feature_{}", feature.to_lowercase());
            println!("cargo:warning=simd-select: feature {} enabled", feature.to_lowercase());
        }
    }
}
