//! Raw bindings to xxHash.
use std::os::raw::c_void;

extern "C" {
    /// 32-bit xxHash of `len` bytes at `data`.
    pub fn xxh32(data: *const c_void, len: usize, seed: u32) -> u32;
}
