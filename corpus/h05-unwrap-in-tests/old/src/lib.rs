/// Parses a decimal number.
pub fn parse(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}
