/// Clipboard contents, after cleaning.
pub fn clean(text: &str) -> String {
    text.trim_end_matches(['\r', '\n']).to_owned()
}

/// Puts text on the clipboard.
pub fn copy(text: &str) -> Result<(), arboard::Error> {
    arboard::Clipboard::new()?.set_text(clean(text))
}
