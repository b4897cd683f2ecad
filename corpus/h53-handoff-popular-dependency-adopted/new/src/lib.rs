//! Line scanning over byte buffers.

/// Offset of the next newline in `haystack`.
pub fn next_line(haystack: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', haystack)
}

/// Number of lines in `haystack`.
pub fn count_lines(haystack: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', haystack).count()
}
