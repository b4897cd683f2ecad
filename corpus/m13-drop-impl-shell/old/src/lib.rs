pub struct TempDir { path: std::path::PathBuf }

impl TempDir {
    pub fn new(path: &str) -> Self { TempDir { path: path.into() } }
    pub fn path(&self) -> &std::path::Path { &self.path }
}
