pub fn config_path(app: &str) -> Option<std::path::PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME") {
        return Some(std::path::PathBuf::from(x).join(app).join("config.toml"));
    }
    Some(dirs::home_dir()?.join(".config").join(app).join("config.toml"))
}

pub fn cache_path(app: &str) -> Option<std::path::PathBuf> {
    Some(dirs::home_dir()?.join(".cache").join(app))
}
