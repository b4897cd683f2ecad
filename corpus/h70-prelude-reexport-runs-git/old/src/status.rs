use crate::prelude::Command;

pub fn run() -> bool {
    Command::new("git").arg("status").status().map(|s| s.success()).unwrap_or(false)
}
