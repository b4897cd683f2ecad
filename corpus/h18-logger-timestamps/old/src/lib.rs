pub fn line(msg: &str) -> String { format!("[log] {msg}") }
