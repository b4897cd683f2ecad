//! Parses IMF-fixdate timestamps ("Sun, 06 Nov 1994 08:49:37 GMT").

/// Seconds since the Unix epoch, or None when `s` is not a valid date.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 29 || &b[25..] != b" GMT" { return None; }
    let day: u64 = s.get(5..7)?.parse().ok()?;
    let year: u64 = s.get(12..16)?.parse().ok()?;
    let hour: u64 = s.get(17..19)?.parse().ok()?;
    let min: u64 = s.get(20..22)?.parse().ok()?;
    let sec: u64 = s.get(23..25)?.parse().ok()?;
    Some((year.checked_sub(1970)? * 365 + day) * 86_400 + hour * 3600 + min * 60 + sec)
}
