/// Counts nesting depth of brackets.
pub fn depth(input: &str) -> usize {
    walk(input.as_bytes()).0
}

fn walk(b: &[u8]) -> (usize, usize) {
    match b.first() {
        Some(b'[') => {
            let (inner, used) = walk(&b[1..]);
            (inner + 1, used + 1)
        }
        Some(_) => (0, 1),
        None => (0, 0),
    }
}
