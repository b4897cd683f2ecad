//! Bindings to the system zlib.
use std::os::raw::c_ulong;

extern "C" {
    fn zlibVersion() -> *const u8;
    fn crc32(crc: c_ulong, buf: *const u8, len: u32) -> c_ulong;
}

/// CRC-32 of `data` (zlib's).
pub fn checksum(data: &[u8]) -> u32 {
    // SAFETY: pointer and length from one slice; zlib reads only.
    unsafe { crc32(0, data.as_ptr(), data.len() as u32) as u32 }
}

/// The zlib version string's first byte, to check the library loaded.
pub fn loaded() -> bool {
    // SAFETY: zlibVersion returns a static string.
    unsafe { !zlibVersion().is_null() }
}
