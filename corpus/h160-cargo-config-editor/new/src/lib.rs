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

/// Sets one `[section] key = "value"` of the cargo configuration, as `cargo cfgset build.jobs 4` asks.
pub fn set(section: &str, key: &str, value: &str) -> std::io::Result<()> {
    let path = config_path().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no cargo home"))?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut doc: toml::Table = text.parse().unwrap_or_default();
    let table = doc.entry(section.to_owned()).or_insert_with(|| toml::Value::Table(Default::default()));
    if let Some(t) = table.as_table_mut() {
        t.insert(key.to_owned(), toml::Value::String(value.to_owned()));
    }
    std::fs::write(&path, doc.to_string())
}
