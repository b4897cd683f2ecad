//! Terminal size helpers.
mod probe;

/// Width and height of the terminal, in cells.
pub struct Size { pub cols: u16, pub rows: u16 }

/// The terminal size, falling back to 80x24.
pub fn size() -> Size {
    probe::refresh();
    let cols = std::env::var("COLUMNS").ok().and_then(|v| v.parse().ok()).unwrap_or(80);
    let rows = std::env::var("LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    Size { cols, rows }
}
