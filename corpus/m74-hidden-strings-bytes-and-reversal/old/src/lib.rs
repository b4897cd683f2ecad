/// Parses `#rrggbb`.
pub fn parse(s: &str) -> Option<(u8, u8, u8)> {
    let s = s.strip_prefix('#')?;
    let n = u32::from_str_radix(s, 16).ok()?;
    Some(((n >> 16) as u8, (n >> 8) as u8, n as u8))
}
