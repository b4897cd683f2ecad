//! OS randomness through the getrandom system call.

/// Fills `buf` with random bytes; blocks until the pool is ready.
pub fn fill(buf: &mut [u8]) -> Result<(), i32> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        let n = unsafe { libc::syscall(libc::SYS_getrandom, rest.as_mut_ptr(), rest.len(), 0) };
        if n < 0 {
            return Err(-1);
        }
        done += n as usize;
    }
    Ok(())
}
