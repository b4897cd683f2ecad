//! Picks the widest SIMD path the target supports.

/// Lanes of the selected path.
pub fn lanes() -> usize {
    if cfg!(simd_x86) { 8 } else { 1 }
}
