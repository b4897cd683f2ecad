fn main() {
    println!("cargo:rerun-if-env-changed=ZLIB_NO_PKG_CONFIG");
    if std::env::var_os("ZLIB_NO_PKG_CONFIG").is_none() && pkg_config::Config::new().atleast_version("1.2").probe("zlib").is_ok() {
        return;
    }
    // No pkg-config: fall back to the system library in the default search path.
    println!("cargo:rustc-link-lib=z");
}
