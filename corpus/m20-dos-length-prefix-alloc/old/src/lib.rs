/// Parses one length-prefixed record.
pub fn parse_record(input: &[u8]) -> Option<Vec<u8>> {
    let len = u16::from_be_bytes([*input.first()?, *input.get(1)?]) as usize;
    let body = input.get(2..2 + len)?;
    Some(body.to_vec())
}
