fn main() {
    println!("cargo:rerun-if-changed=csrc/xxh.c");
    cc::Build::new().file("csrc/xxh.c").opt_level(3).compile("xxh");
}
