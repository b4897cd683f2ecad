fn main() {
    println!("cargo:rerun-if-changed=csrc");
    cc::Build::new().file("csrc/fastlz.c").warnings(false).compile("fastlz");
}
