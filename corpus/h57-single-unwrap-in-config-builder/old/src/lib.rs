//! Application settings.
use std::path::PathBuf;

/// Settings with their defaults.
pub struct Settings { pub data_dir: PathBuf, pub workers: usize }

impl Settings {
    /// Defaults: data in ./data, one worker per core.
    pub fn new() -> Self {
        Settings { data_dir: PathBuf::from("data"), workers: 4 }
    }
}
