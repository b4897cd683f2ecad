#![no_std]
use core::ffi::{c_int, c_ulong};

// Edition 2024 requires `unsafe extern`; functions that are sound to call with any arguments are
// declared `safe`.
unsafe extern "C" {
    pub safe fn zlibCompileFlags() -> c_ulong;
    pub unsafe fn crc32(crc: c_ulong, buf: *const u8, len: c_int) -> c_ulong;
    pub unsafe fn adler32(adler: c_ulong, buf: *const u8, len: c_int) -> c_ulong;
}
