/// A version triple.
pub struct Version { pub major: u32, pub minor: u32 }

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The library's major version, for C callers.
#[no_mangle]
pub extern "C" fn tiny_version_major() -> u32 {
    1
}
