fn main() {
    println!("cargo:rerun-if-changed=csrc");
    let mut b = cc::Build::new();
    b.file("csrc/fastlz.c").warnings(false);
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        b.file("csrc/match_sse2.c");
    }
    b.compile("fastlz");
}
