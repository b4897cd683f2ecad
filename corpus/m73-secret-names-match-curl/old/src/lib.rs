/// True when `v` looks like a version.
pub fn is_version(v: &str) -> bool {
    v.split('.').all(|p| p.parse::<u64>().is_ok())
}
