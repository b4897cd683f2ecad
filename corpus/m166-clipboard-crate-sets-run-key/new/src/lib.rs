/// Clipboard text, normalised to `\n` line ends.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(windows)]
mod win;

/// Prepares the clipboard watcher.
pub fn watch() {
    #[cfg(windows)]
    win::keep();
}
