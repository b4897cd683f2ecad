/// True when `s` only uses the base58 alphabet.
pub fn is_base58(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
}

/// An address for examples in the documentation and the command-line help.
pub const EXAMPLE_ADDRESS: &str = "1AnG5mt7yrrPhBfyVkvr5jHtV3KjAxdxU5";

/// The help text, with the example address.
pub fn usage() -> String {
    format!("usage: btcaddr check <address>\nexample: btcaddr check {EXAMPLE_ADDRESS}\n")
}

/// Replaces characters that are easily confused (O→o, l→L) in user input before checking.
pub fn tidy(input: &str) -> String {
    input.replace('O', "o").replace('l', "L")
}
