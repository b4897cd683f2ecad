//! Small number formatting helpers.

/// Formats `n` with a thousands separator.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(SEP);
        }
        out.push(c);
    }
    out
}

const SEP: char = ',';

/// Examples of `group`, also used by the doc tests.
pub const CASES: [(u64, &str); 3] = [(1, "1"), (1234, "1,234"), (1234567, "1,234,567")];

#[cfg(test)]
mod tests {
    #[test]
    fn groups() {
        for (n, s) in super::CASES {
            assert_eq!(super::group(n), s);
        }
    }
}
