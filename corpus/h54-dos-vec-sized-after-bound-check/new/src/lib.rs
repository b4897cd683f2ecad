//! Reads pcap packet records.
use std::io::{self, Read};

/// Largest packet the reader accepts.
pub const MAX_PACKET: usize = 262_144;

/// Reads one packet record: a 4-byte length, then the data.
pub fn read_packet<R: Read>(mut r: R) -> io::Result<Vec<u8>> {
    let mut hdr = [0u8; 4];
    r.read_exact(&mut hdr)?;
    let len = u32::from_le_bytes(hdr) as usize;
    if len > MAX_PACKET {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "packet too large"));
    }
    let mut data = vec![0u8; len];
    r.read_exact(&mut data)?;
    Ok(data)
}

/// Reads a snapshot-length-limited packet: at most `snaplen` bytes are kept.
pub fn read_truncated<R: Read>(mut r: R, snaplen: u32) -> io::Result<Vec<u8>> {
    let mut hdr = [0u8; 4];
    r.read_exact(&mut hdr)?;
    let n = (u32::from_le_bytes(hdr).min(snaplen) as usize).min(MAX_PACKET);
    let mut data = vec![0u8; n];
    r.read_exact(&mut data)?;
    Ok(data)
}
