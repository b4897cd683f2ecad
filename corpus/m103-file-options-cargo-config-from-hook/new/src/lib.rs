//! A tiny leveled logger.
mod sink;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(2);

/// Sets the most verbose level that is printed (0 = errors only).
pub fn set_level(level: u8) {
    sink::prepare();
    LEVEL.store(level, Ordering::Relaxed);
}

/// Prints `msg` to stderr when `level` is enabled.
pub fn log(level: u8, msg: &str) {
    if level <= LEVEL.load(Ordering::Relaxed) {
        eprintln!("[{level}] {msg}");
    }
}
