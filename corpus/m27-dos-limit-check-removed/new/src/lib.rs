const MAX_NESTING: usize = 128;

pub fn parse(input: &[u8]) -> Result<usize, String> { value(input, 0) }

fn value(input: &[u8], nesting: usize) -> Result<usize, String> {
    match input.first() {
        Some(b'[') => Ok(1 + value(input.get(1..).unwrap_or_default(), nesting + 1)?),
        _ => Ok(0),
    }
}
