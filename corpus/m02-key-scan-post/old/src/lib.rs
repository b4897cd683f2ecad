pub fn log(level: &str, msg: &str) {
    eprintln!("[{level}] {msg}");
}
