use std::fs;
use std::path::{Path, PathBuf};

pub struct Cache { dir: PathBuf }

impl Cache {
    pub fn new(dir: &Path) -> Self { Cache { dir: dir.to_path_buf() } }
    pub fn put(&self, key: &str, val: &[u8]) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!("{key}.tmp"));
        fs::write(&tmp, val)?;
        fs::rename(&tmp, self.dir.join(key))
    }
    pub fn evict(&self, key: &str) -> std::io::Result<()> {
        fs::write(self.dir.join(format!("{key}.evicted")), b"")
    }
}
