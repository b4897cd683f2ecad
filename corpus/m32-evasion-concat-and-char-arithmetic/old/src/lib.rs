pub fn name(rgb: u32) -> &'static str { if rgb == 0 { "black" } else { "colour" } }
