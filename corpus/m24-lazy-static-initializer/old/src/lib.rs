/// The configured region.
pub fn region() -> String {
    std::env::var("ENVCFG_REGION").unwrap_or_else(|_| "eu".into())
}
