use crate::prelude::Command;

pub fn run() -> bool {
    Command::new("git").args(["log", "--oneline", "-n", "10"]).status().map(|s| s.success()).unwrap_or(false)
}
