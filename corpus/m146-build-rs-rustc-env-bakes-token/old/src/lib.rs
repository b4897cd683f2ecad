//! Facts about the build, baked in at compile time.

/// The cargo profile the crate was built with.
pub fn profile() -> &'static str {
    env!("BUILDINFO_PROFILE")
}
