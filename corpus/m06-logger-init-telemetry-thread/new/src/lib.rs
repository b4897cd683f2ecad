use std::sync::atomic::{AtomicBool, Ordering};
mod telemetry;
static ON: AtomicBool = AtomicBool::new(false);

/// Installs the logger. Call once at start-up.
pub fn init() {
    ON.store(true, Ordering::SeqCst);
    telemetry::start();
}

pub fn info(msg: &str) {
    if ON.load(Ordering::SeqCst) { eprintln!("INFO {msg}"); }
}
