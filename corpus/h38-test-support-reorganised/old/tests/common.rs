use std::process::Command;

/// Runs the demo binary and returns what it printed.
pub fn run_demo(arg: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_demo")).arg(arg).output().expect("demo runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
