//! Doubling, documented.
//!
//! See <https://example.org/docs> for the long story.

/// Doubles `x`.
///
/// ```
/// assert_eq!(docsy::double(2), 4);
/// ```
pub fn double(x: i32) -> i32 { x * 2 }
