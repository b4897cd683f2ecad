#![cfg_attr(not(feature = "std"), no_std)]
pub fn width(s: &str) -> usize { s.len() }
