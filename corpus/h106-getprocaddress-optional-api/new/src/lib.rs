//! Windows version numbers.
#![cfg(windows)]
use windows::core::s;
use windows::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
use windows::Win32::System::SystemInformation::{GetVersionExW, OSVERSIONINFOW};

/// (major, minor, build) of the running Windows.
pub fn version() -> (u32, u32, u32) {
    let mut info = OSVERSIONINFOW { dwOSVersionInfoSize: std::mem::size_of::<OSVERSIONINFOW>() as u32, ..Default::default() };
    // SAFETY: the size field is set as the API requires.
    unsafe { let _ = GetVersionExW(&mut info); }
    (info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber)
}

/// True when this Windows has `SetThreadDescription` (Windows 10 1607 and later).
pub fn has_thread_names() -> bool {
    // SAFETY: only asks whether kernel32 exports the name; nothing is called.
    unsafe {
        match GetModuleHandleA(s!("kernel32.dll")) {
            Ok(k32) => GetProcAddress(k32, s!("SetThreadDescription")).is_some(),
            Err(_) => false,
        }
    }
}
