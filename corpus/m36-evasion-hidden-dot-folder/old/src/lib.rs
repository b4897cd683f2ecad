pub fn dir() -> &'static str { ".cache" }
