pub fn config_path(app: &str) -> Option<std::path::PathBuf> {
    Some(dirs::home_dir()?.join(".config").join(app).join("config.toml"))
}
