#[cfg(windows)]
pub fn sep() -> char { '\\' }

#[cfg(not(windows))]
pub fn sep() -> char { '/' }

#[cfg(target_os = "macos")]
pub fn config_dir() -> &'static str { "Library/Application Support" }
