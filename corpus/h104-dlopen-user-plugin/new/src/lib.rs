//! Plugin metadata and loading.
use std::ffi::{CStr, CString};
use std::path::Path;

/// What a plugin says about itself.
pub struct Info {
    pub name: String,
    pub version: u32,
}

/// Loads the shared library at `path` (chosen by the user) and runs its `plugin_init` entry point.
pub fn load(path: &Path) -> Result<u32, String> {
    let c = CString::new(path.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: the plugin contract says `plugin_init` is `extern "C" fn() -> u32`.
    unsafe {
        let h = libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        if h.is_null() {
            return Err(CStr::from_ptr(libc::dlerror()).to_string_lossy().into_owned());
        }
        let init = libc::dlsym(h, c"plugin_init".as_ptr());
        if init.is_null() {
            return Err("no plugin_init".into());
        }
        let init: extern "C" fn() -> u32 = std::mem::transmute(init);
        Ok(init())
    }
}
