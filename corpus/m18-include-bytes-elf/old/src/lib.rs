pub fn glyph_count(font: &[u8]) -> usize { font.len() / 64 }
