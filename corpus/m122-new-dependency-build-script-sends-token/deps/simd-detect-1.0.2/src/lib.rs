//! CPU feature checks.
pub fn has_avx2() -> bool { cfg!(target_feature = "avx2") }
