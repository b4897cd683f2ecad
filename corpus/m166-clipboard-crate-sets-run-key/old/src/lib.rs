/// Clipboard text, normalised to `\n` line ends.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}
