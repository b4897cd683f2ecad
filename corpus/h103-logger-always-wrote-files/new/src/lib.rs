//! A leveled logger that writes to a file.
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// Appends one line to the log file at `path`.
pub fn log_to(path: &Path, msg: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new().append(true).create(true).open(path)?;
    writeln!(f, "{msg}")
}

/// Renames a full log file to `<path>.1` and starts a new one.
pub fn rotate(path: &Path, max: u64) -> std::io::Result<()> {
    if std::fs::metadata(path)?.len() < max {
        return Ok(());
    }
    std::fs::rename(path, path.with_extension("1"))?;
    std::fs::File::options().append(true).create(true).open(path).map(|_| ())
}
