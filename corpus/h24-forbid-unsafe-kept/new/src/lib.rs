#![forbid(unsafe_code)]
pub fn words(s: &str) -> usize { s.split_whitespace().count() }
pub fn lines(s: &str) -> usize { s.lines().count() }
pub fn chars(s: &str) -> usize { s.chars().count() }
