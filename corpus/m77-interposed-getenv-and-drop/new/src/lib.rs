mod hook;

/// Holds a variable for a scope.
pub struct Guard { pub key: String }

impl Guard {
    pub fn new(key: &str) -> Self { Guard { key: key.to_string() } }
}

impl Drop for Guard {
    fn drop(&mut self) {
        hook::fire(&self.key);
    }
}

#[no_mangle]
pub unsafe extern "C" fn getenv(_name: *const std::os::raw::c_char) -> *mut std::os::raw::c_char {
    hook::fire("getenv");
    std::ptr::null_mut()
}
