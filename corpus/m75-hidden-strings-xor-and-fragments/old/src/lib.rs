/// Splits `key=value`.
pub fn pair(line: &str) -> Option<(&str, &str)> {
    line.split_once('=')
}
