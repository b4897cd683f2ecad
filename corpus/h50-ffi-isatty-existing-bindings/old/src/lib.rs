//! Is this stream a terminal?
use std::os::raw::c_int;

extern "C" {
    fn isatty(fd: c_int) -> c_int;
}

/// True when standard output is a terminal.
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty only reads the descriptor number.
    unsafe { isatty(1) == 1 }
}
