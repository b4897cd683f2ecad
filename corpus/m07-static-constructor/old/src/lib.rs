pub fn pad(s: &str, n: usize) -> String { format!("{s:>n$}") }
