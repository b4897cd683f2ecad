#![cfg_attr(not(feature = "std"), no_std)]
pub fn width(s: &str) -> usize {
    #[cfg(feature = "unicode")]
    { return s.chars().count(); }
    #[allow(unreachable_code)]
    s.len()
}
