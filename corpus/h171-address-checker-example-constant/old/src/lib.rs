/// True when `s` only uses the base58 alphabet.
pub fn is_base58(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
}
