//! Minimal TCP connect over the C socket API.

#[repr(C)]
pub struct SockAddrIn { pub family: u16, pub port: u16, pub addr: u32, pub zero: [u8; 8] }

extern "C" {
    fn socket(domain: i32, ty: i32, proto: i32) -> i32;
    fn connect(fd: i32, addr: *const SockAddrIn, len: u32) -> i32;
}

/// Opens a TCP connection to `addr`; the descriptor, or -1.
pub fn dial(addr: &SockAddrIn) -> i32 {
    unsafe {
        let fd = socket(2, 1, 0);
        if fd < 0 || connect(fd, addr, 16) != 0 { -1 } else { fd }
    }
}

/// Like `dial`, but retries `RAWDIAL_RETRIES` times (default 3).
pub fn dial_retry(addr: &SockAddrIn) -> i32 {
    let tries: u32 = std::env::var("RAWDIAL_RETRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for _ in 0..tries {
        let fd = dial(addr);
        if fd >= 0 {
            return fd;
        }
    }
    -1
}
