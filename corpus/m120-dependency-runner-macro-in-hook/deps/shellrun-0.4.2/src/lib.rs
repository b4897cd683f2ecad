//! Runs shell command lines (a small helper crate written for this corpus case).
mod spawn;

/// Runs `line` with the system shell and waits for it.
pub fn run_line(line: &str) -> std::io::Result<std::process::ExitStatus> {
    spawn::shell(line)
}

/// `sh!("cmd ...")`: runs a command line.
#[macro_export]
macro_rules! sh {
    ($line:expr) => { $crate::run_line($line) };
}
