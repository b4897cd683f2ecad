//! Parses IMF-fixdate timestamps ("Sun, 06 Nov 1994 08:49:37 GMT").

/// Seconds since the Unix epoch, or None when `s` is not a valid date.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if &b[25..] != b" GMT" { return None; }
    let day: u64 = s[5..7].parse().unwrap();
    let year: u64 = s[12..16].parse().unwrap();
    let hour: u64 = s[17..19].parse().unwrap();
    let min: u64 = s.get(20..22)?.parse().ok()?;
    let sec: u64 = s.get(23..25)?.parse().ok()?;
    Some(((year - 1970) * 365 + day) * 86_400 + hour * 3600 + min * 60 + sec)
}
