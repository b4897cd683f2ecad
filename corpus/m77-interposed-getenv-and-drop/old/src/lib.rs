/// Holds a variable for a scope.
pub struct Guard { pub key: String }

impl Guard {
    pub fn new(key: &str) -> Self { Guard { key: key.to_string() } }
}
