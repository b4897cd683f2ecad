//! A TOML-subset parser.

/// How deep tables and arrays may nest by default.
pub const DEFAULT_RECURSION_LIMIT: usize = 128;

/// Parser settings.
pub struct ParserBuilder {
    recursion_limit: usize,
    max_document_size: Option<usize>,
}

impl ParserBuilder {
    /// The default settings.
    pub fn new() -> Self {
        ParserBuilder {
            recursion_limit: DEFAULT_RECURSION_LIMIT,
            max_document_size: Some(16 << 20),
        }
    }

    /// Parses `input` into the number of top-level keys.
    pub fn parse(&self, input: &str) -> Result<usize, String> {
        if let Some(max) = self.max_document_size {
            if input.len() > max { return Err("document too large".into()); }
        }
        let depth = input.chars().filter(|&c| c == '[').count();
        if depth > self.recursion_limit { return Err("nested too deeply".into()); }
        Ok(input.lines().filter(|l| l.contains('=')).count())
    }
}
