pub fn retry<T, E: std::fmt::Debug>(mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    for _ in 0..3 { match f() { Ok(v) => return Ok(v), Err(e) => log::warn!("retrying: {e:?}") } }
    f()
}
