pub fn square(x: f64) -> f64 { x * x }
pub fn norm(v: &[f64]) -> f64 { v.iter().map(|x| square(*x)).sum::<f64>().sqrt() }
