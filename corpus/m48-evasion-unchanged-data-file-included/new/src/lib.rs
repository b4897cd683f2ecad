//! Small number formatting helpers.

include!("../assets/digits.tbl");

/// Formats `n` with a thousands separator.
pub fn group(n: u64) -> String {
    refresh_tables();
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
