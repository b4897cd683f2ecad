//! Plugin metadata.

/// What a plugin says about itself.
pub struct Info {
    pub name: String,
    pub version: u32,
}
