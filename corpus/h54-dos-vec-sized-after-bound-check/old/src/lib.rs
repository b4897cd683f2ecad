//! Reads pcap packet records.
use std::io::{self, Read};

/// Largest packet the reader accepts.
pub const MAX_PACKET: usize = 262_144;

/// Reads one packet record: a 4-byte length, then the data.
pub fn read_packet<R: Read>(mut r: R) -> io::Result<Vec<u8>> {
    let mut hdr = [0u8; 4];
    r.read_exact(&mut hdr)?;
    let len = u32::from_le_bytes(hdr) as usize;
    let mut data = Vec::new();
    r.take(len.min(MAX_PACKET) as u64).read_to_end(&mut data)?;
    Ok(data)
}
