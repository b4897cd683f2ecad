#![no_std]
use core::ffi::{c_int, c_ulong};

extern "C" {
    pub fn crc32(crc: c_ulong, buf: *const u8, len: c_int) -> c_ulong;
    pub fn adler32(adler: c_ulong, buf: *const u8, len: c_int) -> c_ulong;
}
