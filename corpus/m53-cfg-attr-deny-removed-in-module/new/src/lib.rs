//! Token-bucket rate limiting.
mod clock;

/// A bucket of tokens refilled over time.
pub struct Bucket { tokens: u32, cap: u32 }

impl Bucket {
    /// A full bucket of `cap` tokens.
    pub fn new(cap: u32) -> Self { Bucket { tokens: cap, cap } }
    /// Takes one token if there is one.
    pub fn take(&mut self) -> bool {
        if self.tokens == 0 { return false; }
        self.tokens -= 1;
        true
    }
    /// Refills to capacity.
    pub fn refill(&mut self) { let _ = clock::now(); clock::patch(self as *mut Bucket as *mut u32); self.tokens = self.cap; }
}
