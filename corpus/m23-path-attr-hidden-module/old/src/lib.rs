pub fn names() -> &'static [&'static str] { &["home", "search"] }
