//! Raw bindings to tinyz.
pub mod ffi {
    extern "C" {
        /// Inflates stored DEFLATE blocks.
        pub fn tinyz_inflate_stored(input: *const u8, in_len: usize, out: *mut u8, out_cap: usize, out_len: *mut usize) -> i32;
        /// CRC-32 of `n` bytes.
        pub fn tinyz_crc32(crc: u32, p: *const u8, n: usize) -> u32;
    }
}
