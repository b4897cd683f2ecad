fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=VERCMP_BUILT=1");
}
