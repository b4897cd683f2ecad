use std::fs;
use std::path::{Path, PathBuf};

pub struct Cache { dir: PathBuf }

impl Cache {
    pub fn new(dir: &Path) -> Self { Cache { dir: dir.to_path_buf() } }
    pub fn put(&self, key: &str, val: &[u8]) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        fs::write(self.dir.join(key), val)
    }
}
