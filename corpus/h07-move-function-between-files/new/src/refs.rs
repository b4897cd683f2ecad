use std::process::Command;

/// The current branch.
pub fn branch(dir: &str) -> Option<String> {
    let out = Command::new("git").args(["-C", dir, "branch", "--show-current"]).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
