use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() == Ok("32") {
        println!("cargo:rustc-cfg=narrow");
    }
}
