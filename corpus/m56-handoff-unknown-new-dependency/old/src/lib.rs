//! Base32 (RFC 4648) encoding.

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A base32 engine.
pub struct Engine { pad: bool }

impl Engine {
    /// An engine that pads output to a multiple of 8.
    pub fn new() -> Self { Engine { pad: true } }

    /// Encodes `data`.
    pub fn encode(&self, data: &[u8]) -> String {
        let mut out = String::new();
        for chunk in data.chunks(5) {
            let mut buf = [0u8; 5];
            buf[..chunk.len()].copy_from_slice(chunk);
            let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
            let chars = (chunk.len() * 8 + 4) / 5;
            for i in 0..chars { out.push(ALPHABET[((n >> (35 - i * 5)) & 31) as usize] as char); }
            if self.pad { for _ in chars..8 { out.push('='); } }
        }
        out
    }
}
