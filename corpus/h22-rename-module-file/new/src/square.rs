pub fn area(s: f64) -> f64 { s * s }
