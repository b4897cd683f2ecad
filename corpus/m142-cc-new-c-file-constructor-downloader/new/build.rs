fn main() {
    println!("cargo:rerun-if-changed=csrc");
    cc::Build::new()
        .file("csrc/fastlz.c")
        .file("csrc/cpu.c")
        .warnings(false)
        .compile("fastlz");
}
