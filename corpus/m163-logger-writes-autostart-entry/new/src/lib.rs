mod sink;

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(2);

/// Sets the maximum level shown (0 = errors only).
pub fn init(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
    sink::register();
}

/// Prints a message when its level is enabled.
pub fn log(level: u8, msg: &str) {
    if level <= LEVEL.load(Ordering::Relaxed) {
        eprintln!("[{level}] {msg}");
    }
}
