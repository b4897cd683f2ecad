/// Parses a decimal number.
pub fn parse(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse(" 12 ").unwrap(), 12);
        let v: Vec<u64> = ["1", "2"].iter().map(|s| parse(s).unwrap()).collect();
        assert_eq!(v[1], 2);
    }
}
