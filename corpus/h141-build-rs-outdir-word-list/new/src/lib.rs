//! The locale names this crate knows.

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// True when `tag` is a known locale.
pub fn is_known(tag: &str) -> bool {
    LOCALES.contains(&tag)
}

/// The name of locale `tag` in its own language.
pub fn native_name(tag: &str) -> Option<&'static str> {
    NATIVE_NAMES.iter().find(|(t, _)| *t == tag).map(|(_, n)| *n)
}
