//! The locale names this crate knows.

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// True when `tag` is a known locale.
pub fn is_known(tag: &str) -> bool {
    LOCALES.contains(&tag)
}
