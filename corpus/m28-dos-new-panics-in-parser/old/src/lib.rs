/// Parses `key=value`.
pub fn parse_pair(line: &str) -> Option<(&str, &str)> {
    line.split_once('=')
}
