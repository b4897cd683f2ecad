pub fn sep() -> char { '/' }
