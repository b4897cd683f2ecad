pub fn attempt<T>(f: impl Fn() -> Option<T>) -> Option<T> {
    ::log::debug!("attempt");
    f()
}
