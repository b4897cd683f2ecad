pub fn crc(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |c, b| c.wrapping_add(*b))
}
