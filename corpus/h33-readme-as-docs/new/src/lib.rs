#![doc = include_str!("../README.md")]
pub fn one() -> u8 { 1 }
