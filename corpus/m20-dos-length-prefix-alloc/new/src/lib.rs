/// Parses one length-prefixed record.
pub fn parse_record(input: &[u8]) -> Option<Vec<u8>> {
    let len = u32::from_be_bytes([input[0], input[1], input[2], input[3]]) as usize;
    read_body(&input[4..], len)
}

fn read_body(rest: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(rest.get(..len.min(rest.len()))?);
    Some(out)
}
