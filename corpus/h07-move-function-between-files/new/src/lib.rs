mod refs;
pub use refs::branch;
use std::process::Command;

/// The current commit of the repository in `dir`.
pub fn head(dir: &str) -> Option<String> {
    let out = Command::new("git").args(["-C", dir, "rev-parse", "HEAD"]).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
