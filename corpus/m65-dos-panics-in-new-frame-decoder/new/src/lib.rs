//! WebSocket frame helpers.

/// The opcode of a frame header, if there is one.
pub fn opcode(frame: &[u8]) -> Option<u8> {
    frame.first().map(|b| b & 0x0f)
}

/// Payload of a masked frame, unmasked, and the number of chunks of `chunk` bytes it fills.
pub fn decode_frame(frame: &[u8], chunk: usize) -> (Vec<u8>, usize) {
    let len = (frame[1] & 0x7f) as usize;
    let mask = [frame[2], frame[3], frame[4], frame[5]];
    let payload: Vec<u8> = frame[6..6 + len].iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
    let chunks = payload.len() / chunk;
    (payload, chunks)
}
