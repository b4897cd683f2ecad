/// Lines describing the build.
pub fn report() -> Vec<String> {
    vec![format!("version {}", env!("CARGO_PKG_VERSION"))]
}
