//! Raw bindings to FastLZ.
use std::os::raw::{c_int, c_void};

extern "C" {
    /// Compresses `length` bytes of `input` into `output`.
    pub fn fastlz_compress_level(level: c_int, input: *const c_void, length: c_int, output: *mut c_void) -> c_int;
    /// Length of the common prefix of `a` and `b`, at most `limit` (x86_64 only).
    #[cfg(target_arch = "x86_64")]
    pub fn fastlz_match_len_sse2(a: *const u8, b: *const u8, limit: c_int) -> c_int;
}
