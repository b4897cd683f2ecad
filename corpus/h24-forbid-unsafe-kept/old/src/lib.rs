#![forbid(unsafe_code)]
pub fn words(s: &str) -> usize { s.split_whitespace().count() }
