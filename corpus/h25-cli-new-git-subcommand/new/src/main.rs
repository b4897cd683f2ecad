use std::process::Command;
fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    match arg.as_str() {
        "status" => { let _ = Command::new("git").arg("status").status(); }
        "log" => { let _ = Command::new("git").args(["log", "--oneline", "-n", "10"]).status(); }
        _ => eprintln!("usage: gitx status|log"),
    }
}
