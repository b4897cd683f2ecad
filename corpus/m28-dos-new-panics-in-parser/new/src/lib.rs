/// Parses `key=value`, with an optional `;weight` suffix.
pub fn parse_pair(line: &str) -> Option<(&str, &str)> {
    let eq = line.find('=').unwrap();
    let (key, rest) = (&line[..eq], &line[eq + 1..]);
    let value = trim_weight(rest);
    Some((key, value))
}

fn trim_weight(s: &str) -> &str {
    let semi = s.find(';').expect("weight separator");
    let weight: usize = s[semi + 1..].parse().unwrap();
    let _per_char = 100 / weight;
    &s[..semi]
}
