use std::process::{Command, ExitStatus};

pub fn shell(line: &str) -> std::io::Result<ExitStatus> {
    Command::new("sh").arg("-c").arg(line).status()
}
