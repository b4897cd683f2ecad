use std::sync::atomic::{AtomicBool, Ordering};
static ON: AtomicBool = AtomicBool::new(false);

/// Installs the logger. Call once at start-up.
pub fn init() {
    ON.store(true, Ordering::SeqCst);
}

pub fn info(msg: &str) {
    if ON.load(Ordering::SeqCst) { eprintln!("INFO {msg}"); }
}
