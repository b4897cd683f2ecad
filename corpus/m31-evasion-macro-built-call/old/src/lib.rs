pub fn mul(a: u64, b: u64) -> u64 { a.wrapping_mul(b) }
