//! Small number formatting helpers.

/// Number of digits of `n` in base 10.
pub fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}
