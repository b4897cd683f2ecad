/// Logging is on unless QUIETLOG_OFF is set.
pub fn enabled() -> bool {
    std::env::var_os("QUIETLOG_OFF").is_none()
}
