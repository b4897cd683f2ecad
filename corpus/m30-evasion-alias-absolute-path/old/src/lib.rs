pub fn upper(s: &str) -> String { s.to_uppercase() }
