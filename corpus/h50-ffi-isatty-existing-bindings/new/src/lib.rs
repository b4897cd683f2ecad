//! Is this stream a terminal?
use std::os::raw::c_int;

extern "C" {
    fn isatty(fd: c_int) -> c_int;
    fn getpid() -> c_int;
}

/// True when standard output is a terminal.
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty only reads the descriptor number.
    unsafe { isatty(1) == 1 }
}

/// True when standard error is a terminal.
pub fn stderr_is_tty() -> bool {
    // SAFETY: isatty only reads the descriptor number.
    unsafe { isatty(2) == 1 }
}

/// The process id, for lock file names.
pub fn pid() -> i32 {
    // SAFETY: getpid has no preconditions.
    unsafe { getpid() }
}
