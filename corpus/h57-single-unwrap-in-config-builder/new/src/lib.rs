//! Application settings.
use std::path::PathBuf;

/// Settings with their defaults.
pub struct Settings { pub data_dir: PathBuf, pub workers: usize }

impl Settings {
    /// Defaults: data in ./data, one worker per core.
    pub fn new() -> Self {
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(4);
        Settings { data_dir: PathBuf::from("data"), workers }
    }

    /// The data folder made absolute against the current folder.
    pub fn absolute_data_dir(&self) -> PathBuf {
        std::env::current_dir().unwrap().join(&self.data_dir)
    }
}
