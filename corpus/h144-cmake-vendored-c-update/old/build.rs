fn main() {
    let dst = cmake::Config::new("vendor/tinyz").define("TINYZ_SHARED", "OFF").build();
    println!("cargo:rustc-link-search=native={}/lib", dst.display());
    println!("cargo:rustc-link-lib=static=tinyz");
}
