//! CRC-64 checksums.

/// CRC-64/XZ of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    let mut crc = !0u64;
    for &b in data {
        crc ^= b as u64;
        for _ in 0..8 { crc = if crc & 1 == 1 { (crc >> 1) ^ 0xC96C_5795_D787_0F42 } else { crc >> 1 }; }
    }
    !crc
}
