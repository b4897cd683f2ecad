mod log;

pub fn attempt<T>(f: impl Fn() -> Option<T>) -> Option<T> {
    log::setup();
    ::log::debug!("attempt");
    f()
}
