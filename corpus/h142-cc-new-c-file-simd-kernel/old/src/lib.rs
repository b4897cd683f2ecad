//! Raw bindings to FastLZ.
use std::os::raw::{c_int, c_void};

extern "C" {
    /// Compresses `length` bytes of `input` into `output`.
    pub fn fastlz_compress_level(level: c_int, input: *const c_void, length: c_int, output: *mut c_void) -> c_int;
}
