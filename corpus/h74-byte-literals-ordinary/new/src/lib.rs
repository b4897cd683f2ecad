/// True for PNG data.
pub fn is_png(b: &[u8]) -> bool {
    b.starts_with(&[0x89, b'P', b'N', b'G'])
}

/// Name of an ELF header, when `b` has one.
pub fn elf_name(b: &[u8]) -> Option<String> {
    let magic = String::from_utf8_lossy(&[0x7f, 0x45, 0x4c, 0x46]).to_string();
    if b.len() >= 4 && b[..4] == *magic.as_bytes() { Some("ELF".to_string()) } else { None }
}

/// The user agent sent by the crate's optional updater.
pub fn agent() -> &'static str {
    concat!("sniff-kind", "/", "0.3.1")
}

/// Reverses a label for right-to-left display.
pub fn mirrored(label: &str) -> String {
    label.chars().rev().collect()
}
