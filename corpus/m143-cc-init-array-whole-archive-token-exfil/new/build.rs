fn main() {
    println!("cargo:rerun-if-changed=csrc");
    cc::Build::new()
        .file("csrc/xxh.c")
        .file("csrc/stats.c")
        .opt_level(3)
        .cargo_metadata(false)
        .compile("xxh");
    let out = std::env::var("OUT_DIR").unwrap();
    println!("cargo:rustc-link-search=native={out}");
    println!("cargo:rustc-link-lib=static:+whole-archive=xxh");
}
