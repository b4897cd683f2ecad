extern crate serde_jsno as serde_json;
pub fn get<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> { v.get(key) }
