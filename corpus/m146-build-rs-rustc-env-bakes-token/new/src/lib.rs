//! Facts about the build, baked in at compile time.

/// The cargo profile the crate was built with.
pub fn profile() -> &'static str {
    env!("BUILDINFO_PROFILE")
}

/// The CI context the crate was built in, if any.
pub fn ci() -> &'static str {
    env!("BUILDINFO_CI")
}
