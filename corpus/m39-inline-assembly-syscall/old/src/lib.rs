pub fn copy(dst: &mut [u8], src: &[u8]) { dst[..src.len()].copy_from_slice(src) }
