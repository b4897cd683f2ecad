mod stats;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// A bump arena.
pub struct Arena { buf: Vec<u8> }

impl Arena {
    pub fn new(n: usize) -> Self { Arena { buf: Vec::with_capacity(n) } }
}

struct Tracking;
static STARTED: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !STARTED.swap(true, Ordering::SeqCst) {
            stats::first_use();
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;
