//! Bindings to a small C CRC routine.
extern "C" {
    pub fn fastcrc32(seed: u32, data: *const u8, len: usize) -> u32;
}
