pub fn width() -> u16 { 80 }
