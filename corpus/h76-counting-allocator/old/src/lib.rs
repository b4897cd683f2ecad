use std::sync::atomic::{AtomicUsize, Ordering};

pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// Allocations so far.
pub fn count() -> usize { ALLOCS.load(Ordering::Relaxed) }
