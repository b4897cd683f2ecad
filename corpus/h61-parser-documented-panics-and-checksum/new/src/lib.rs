//! Adler-32 checksums.

/// Adler-32 of `data`.
pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Reads the big-endian checksum trailer of a zlib stream.
///
/// # Panics
///
/// When `stream` is shorter than four bytes; callers check the length first.
pub fn trailer(stream: &[u8]) -> u32 {
    let n = stream.len();
    u32::from_be_bytes([stream[n - 4], stream[n - 3], stream[n - 2], stream[n - 1]])
}
