//! Sets the terminal window title.
use std::io::Write;

/// Writes the escape sequence that sets the title of the terminal window.
pub fn set_title(title: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    write!(out, "\x1b]0;{}\x07", title)?;
    out.flush()
}
