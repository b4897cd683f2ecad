//! Typed configuration from environment variables.

/// Reads `name` and parses it, or returns `default`.
pub fn get<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
