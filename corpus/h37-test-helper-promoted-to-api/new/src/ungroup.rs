/// Strips the separators `group` inserts, so tests can round-trip.
pub fn ungroup(s: &str) -> u64 {
    s.chars().filter(|c| c.is_ascii_digit()).fold(0, |acc, c| acc * 10 + u64::from(c as u8 - b'0'))
}
