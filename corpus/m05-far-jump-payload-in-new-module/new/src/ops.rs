pub fn round(x: f64) -> f64 { x.round() }
