pub fn has_gpu() -> bool { std::path::Path::new("/dev/dri").exists() }
