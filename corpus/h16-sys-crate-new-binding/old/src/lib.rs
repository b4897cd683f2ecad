#![no_std]
use core::ffi::{c_int, c_ulong};
extern "C" {
    pub fn zlibVersion() -> *const u8;
    pub fn crc32(crc: c_ulong, buf: *const u8, len: c_int) -> c_ulong;
}
