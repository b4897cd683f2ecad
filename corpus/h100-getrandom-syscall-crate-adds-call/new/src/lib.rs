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

/// Like `fill`, but fails with `EAGAIN` instead of blocking before the pool is ready.
pub fn fill_nonblocking(buf: &mut [u8]) -> Result<usize, i32> {
    let n = unsafe { libc::syscall(libc::SYS_getrandom, buf.as_mut_ptr(), buf.len(), libc::GRND_NONBLOCK) };
    if n < 0 { Err(-1) } else { Ok(n as usize) }
}
