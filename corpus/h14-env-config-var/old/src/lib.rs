pub fn enabled() -> bool { true }
