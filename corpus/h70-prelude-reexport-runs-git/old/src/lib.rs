pub mod prelude;
mod status;

pub fn status() -> bool { status::run() }
