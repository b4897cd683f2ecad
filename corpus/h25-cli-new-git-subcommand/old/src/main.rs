use std::process::Command;
fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    if arg == "status" {
        let _ = Command::new("git").arg("status").status();
    }
}
