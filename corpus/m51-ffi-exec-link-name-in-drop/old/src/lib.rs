//! A growable scratch buffer.

/// Bytes reused between operations.
pub struct Scratch { buf: Vec<u8> }

impl Scratch {
    /// An empty buffer.
    pub fn new() -> Self { Scratch { buf: Vec::new() } }
    /// Clears and returns the buffer.
    pub fn take(&mut self) -> &mut Vec<u8> { self.buf.clear(); &mut self.buf }
}
