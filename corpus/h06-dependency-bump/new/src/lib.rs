#[derive(serde::Deserialize)]
pub struct Config { pub name: String }

pub fn load(text: &str) -> Result<Config, toml::de::Error> { toml::from_str(text) }
