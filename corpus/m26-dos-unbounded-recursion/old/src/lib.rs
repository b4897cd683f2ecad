/// Counts nesting depth of brackets, iteratively.
pub fn depth(input: &str) -> usize {
    let (mut d, mut max) = (0usize, 0usize);
    for c in input.chars() {
        if c == '[' { d += 1; max = max.max(d); } else if c == ']' { d = d.saturating_sub(1); }
    }
    max
}
