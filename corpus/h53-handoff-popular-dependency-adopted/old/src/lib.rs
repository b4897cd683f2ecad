//! Line scanning over byte buffers.

/// Offset of the next newline in `haystack`.
pub fn next_line(haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == b'\n')
}

/// Number of lines in `haystack`.
pub fn count_lines(haystack: &[u8]) -> usize {
    haystack.iter().filter(|&&b| b == b'\n').count()
}
