pub fn index(_: &str) -> String { "hello".into() }
pub fn health(_: &str) -> String { "ok".into() }
