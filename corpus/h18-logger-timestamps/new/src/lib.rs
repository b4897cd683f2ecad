use std::time::{SystemTime, UNIX_EPOCH};

pub fn line(msg: &str) -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("[{secs}] {msg}")
}
