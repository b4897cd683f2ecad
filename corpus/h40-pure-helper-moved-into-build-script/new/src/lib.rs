//! Small number formatting helpers.
include!(concat!(env!("OUT_DIR"), "/digits.rs"));
