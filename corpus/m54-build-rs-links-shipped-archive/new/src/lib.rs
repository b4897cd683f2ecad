//! CRC-64 checksums.

extern "C" {
    fn crc64_clmul(crc: u64, data: *const u8, len: usize) -> u64;
}

/// CRC-64/XZ of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    // SAFETY: the pointer and length come from one slice.
    unsafe { crc64_clmul(!0u64, data.as_ptr(), data.len()) ^ !0u64 }
}
