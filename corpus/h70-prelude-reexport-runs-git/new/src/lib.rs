pub mod prelude;
mod status;
mod log;

pub fn status() -> bool { status::run() }

pub fn log() -> bool { log::run() }
