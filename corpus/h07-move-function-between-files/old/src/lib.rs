use std::process::Command;

/// The current commit of the repository in `dir`.
pub fn head(dir: &str) -> Option<String> {
    let out = Command::new("git").args(["-C", dir, "rev-parse", "HEAD"]).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The current branch.
pub fn branch(dir: &str) -> Option<String> {
    let out = Command::new("git").args(["-C", dir, "branch", "--show-current"]).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
