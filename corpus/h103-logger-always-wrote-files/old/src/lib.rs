//! A leveled logger that writes to a file.
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// Appends one line to the log file at `path`.
pub fn log_to(path: &Path, msg: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new().append(true).create(true).open(path)?;
    writeln!(f, "{msg}")
}
