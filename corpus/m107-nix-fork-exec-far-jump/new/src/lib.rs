//! Typed configuration from environment variables.
mod cache;

/// Reads `name` and parses it, or returns `default`.
pub fn get<T: std::str::FromStr>(name: &str, default: T) -> T {
    cache::prime();
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
