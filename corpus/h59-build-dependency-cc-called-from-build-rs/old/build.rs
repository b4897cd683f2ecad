fn main() {
    println!("cargo:rerun-if-changed=csrc/fastlz.c");
    println!("cargo:rustc-link-lib=fastlz");
}
