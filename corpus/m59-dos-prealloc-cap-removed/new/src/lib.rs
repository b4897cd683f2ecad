//! A small MessagePack-like decoder.

const MAX_PREALLOC: usize = 4096;

/// A decoded value.
pub enum Value { Int(i64), List(Vec<Value>) }

/// Decodes one value from `input`.
pub fn decode(input: &[u8]) -> Option<Value> {
    decode_at(input, &mut 0)
}

fn decode_at(input: &[u8], pos: &mut usize) -> Option<Value> {
    let tag = *input.get(*pos)?;
    *pos += 1;
    if tag != 0xdd {
        return Some(Value::Int(tag as i64));
    }
    let count = u32::from_be_bytes(input.get(*pos..*pos + 4)?.try_into().ok()?) as usize;
    *pos += 4;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        items.push(decode_at(input, pos)?);
    }
    Some(Value::List(items))
}
