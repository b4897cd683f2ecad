pub fn width(header: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(header.get(16..20)?.try_into().ok()?))
}
