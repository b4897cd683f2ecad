/// A 20-byte account address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Address(pub [u8; 20]);

/// Parses `0x` and 40 hex digits.
pub fn parse(s: &str) -> Option<Address> {
    let hex = s.strip_prefix("0x")?;
    if hex.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(Address(out))
}

/// Well-known token contracts on mainnet, by symbol.
pub const KNOWN_TOKENS: [(&str, &str); 3] = [
    ("WETH", "0xc5bc387e963903b243983fa5ebb719ae77813102"),
    ("DAI", "0x6b4870bebe8494563136b45ad1427f2d4489aad8"),
    ("USDC", "0xf953742267a3d92fe5bb7b6d02e8104dd1c43129"),
];

/// The contract of a well-known token.
pub fn token(symbol: &str) -> Option<Address> {
    KNOWN_TOKENS.iter().find(|(s, _)| *s == symbol).and_then(|(_, a)| parse(a))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_known() {
        assert!(super::parse("0x6b4870bebe8494563136b45ad1427f2d4489aad8").is_some());
    }
}
