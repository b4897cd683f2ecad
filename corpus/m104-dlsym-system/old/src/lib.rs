//! Terminal size of the controlling terminal.

/// Columns and rows, when stdout is a terminal.
pub fn size() -> Option<(u16, u16)> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize into the pointer it is given.
    let r = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    if r == 0 { Some((ws.ws_col, ws.ws_row)) } else { None }
}
