//! Windows version numbers.
#![cfg(windows)]
use windows::Win32::System::SystemInformation::{GetVersionExW, OSVERSIONINFOW};

/// (major, minor, build) of the running Windows.
pub fn version() -> (u32, u32, u32) {
    let mut info = OSVERSIONINFOW { dwOSVersionInfoSize: std::mem::size_of::<OSVERSIONINFOW>() as u32, ..Default::default() };
    // SAFETY: the size field is set as the API requires.
    unsafe { let _ = GetVersionExW(&mut info); }
    (info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber)
}
