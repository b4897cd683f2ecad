pub fn seed() -> u64 {
    let mut x = 0u64;
    // SAFETY: getpid has no preconditions.
    unsafe { x ^= libc::getpid() as u64; }
    #[cfg(target_os = "linux")]
    {
        let mut buf = [0u8; 8];
        // SAFETY: buf is valid for 8 bytes of writes.
        unsafe { libc::getrandom(buf.as_mut_ptr().cast(), 8, 0) };
        x ^= u64::from_ne_bytes(buf);
    }
    x
}
