//! Flow-style YAML nesting checker.

/// Deepest nesting accepted.
pub const LIMIT: u8 = 200;

/// Tracks nesting while scanning.
pub struct Scanner { depth: u8 }

impl Scanner {
    /// A scanner at the top level.
    pub fn new() -> Self { Scanner { depth: 0 } }

    /// Scans `input`, failing on nesting deeper than LIMIT.
    pub fn scan(&mut self, input: &[u8]) -> Result<(), &'static str> {
        for &b in input {
            match b {
                b'[' | b'{' => {
                    self.depth = self.depth.wrapping_add(1);
                    if self.depth > LIMIT { return Err("nesting too deep"); }
                }
                b']' | b'}' => self.depth = self.depth.wrapping_sub(1),
                _ => {}
            }
        }
        Ok(())
    }
}
