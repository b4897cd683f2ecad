pub fn sqr(x: f64) -> f64 { x * x }
pub fn norm(v: &[f64]) -> f64 { v.iter().map(|x| sqr(*x)).sum::<f64>().sqrt() }
