/// Counts vowels.
pub fn vowels(s: &str) -> usize {
    s.chars().filter(|c| "aeiou".contains(*c)).count()
}

/// Shifts every ASCII letter of `s` by `k` places.
pub fn caesar(s: &str, k: u8) -> String {
    s.bytes().map(|b| if b.is_ascii_lowercase() { ((b - b'a' + k) % 26 + b'a') as char } else { b as char }).collect()
}

/// A sample word for the first level.
pub fn sample() -> String {
    ['a', 'p', 'p', 'l', 'e'].iter().collect::<String>()
}
