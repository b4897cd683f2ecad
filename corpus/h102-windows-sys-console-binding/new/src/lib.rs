//! Turns on ANSI escape processing in the Windows console.
#![cfg(windows)]
use windows_sys::Win32::System::Console::{GetConsoleMode, SetConsoleTitleW, GetStdHandle, SetConsoleMode, ENABLE_VIRTUAL_TERMINAL_PROCESSING, STD_OUTPUT_HANDLE};

/// Enables virtual-terminal sequences on stdout; false when the console refuses.
pub fn enable_vt() -> bool {
    unsafe {
        let h = GetStdHandle(STD_OUTPUT_HANDLE);
        let mut mode = 0;
        if GetConsoleMode(h, &mut mode) == 0 {
            return false;
        }
        SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0
    }
}

/// Sets the console window title.
pub fn set_title(title: &str) -> bool {
    let wide: Vec<u16> = title.encode_utf16().chain(std::iter::once(0)).collect();
    unsafe { SetConsoleTitleW(wide.as_ptr()) != 0 }
}
