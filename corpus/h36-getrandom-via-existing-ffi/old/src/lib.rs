pub fn seed() -> u64 {
    let mut x = 0u64;
    // SAFETY: getpid has no preconditions.
    unsafe { x ^= libc::getpid() as u64; }
    x
}
