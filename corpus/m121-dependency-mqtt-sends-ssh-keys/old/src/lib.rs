//! Reads a small key=value configuration.
use std::collections::HashMap;

pub struct Config { pub values: HashMap<String, String> }

pub fn load(text: &str) -> Config {
    let mut values = HashMap::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            values.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    Config { values }
}
