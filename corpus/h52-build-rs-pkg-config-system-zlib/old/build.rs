fn main() {
    pkg_config::Config::new().atleast_version("1.2").probe("zlib").unwrap();
}
