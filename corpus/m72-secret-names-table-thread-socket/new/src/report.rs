pub fn line(name: &str, v: f64) -> String {
    format!("{} {}", name, v)
}
