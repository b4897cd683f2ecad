//! WebSocket frame helpers.

/// The opcode of a frame header, if there is one.
pub fn opcode(frame: &[u8]) -> Option<u8> {
    frame.first().map(|b| b & 0x0f)
}
