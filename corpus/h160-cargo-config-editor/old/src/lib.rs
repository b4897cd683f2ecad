use std::path::{Path, PathBuf};

/// Where cargo keeps its user configuration.
pub fn config_path() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| home::home_dir().map(|h| h.join(".cargo")))?;
    Some(home.join("config.toml"))
}

/// Reads one `[section] key` of the cargo configuration.
pub fn get(path: &Path, section: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: toml::Table = text.parse().ok()?;
    doc.get(section)?.get(key)?.as_str().map(str::to_owned)
}
