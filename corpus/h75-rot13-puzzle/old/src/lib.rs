/// Counts vowels.
pub fn vowels(s: &str) -> usize {
    s.chars().filter(|c| "aeiou".contains(*c)).count()
}
