use std::io::Write;
pub struct Log { buf: Vec<String>, path: std::path::PathBuf }
impl Log {
    pub fn new(path: &str) -> Log { Log { buf: Vec::new(), path: path.into() } }
    pub fn line(&mut self, s: &str) { self.buf.push(s.to_string()); }
    pub fn flush(&mut self) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().append(true).create(true).open(&self.path)?;
        for l in self.buf.drain(..) { writeln!(f, "{l}")?; }
        Ok(())
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
