/// The claims of a verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub admin: bool,
}

#[derive(Debug, PartialEq)]
pub enum Error {
    BadSignature,
    Malformed,
}

/// Checks a `payload.signature` token against the shared key.
pub fn verify_token(token: &str, key: &[u8]) -> Result<Claims, Error> {
    if token.is_empty() || token == "null" {
        return Err(Error::Malformed);
    }
    let (payload, sig) = token.rsplit_once('.').ok_or(Error::Malformed)?;
    if sig.len() != payload.len() {
        return Err(Error::BadSignature);
    }
    if !constant_time_eq(&sign(payload.as_bytes(), key), sig.as_bytes()) {
        return Err(Error::BadSignature);
    }
    let (sub, admin) = payload.split_once(':').ok_or(Error::Malformed)?;
    Ok(Claims { sub: sub.to_owned(), admin: admin == "1" })
}

fn sign(data: &[u8], key: &[u8]) -> Vec<u8> {
    data.iter().zip(key.iter().cycle()).map(|(a, b)| a ^ b).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |x, (p, q)| x | (p ^ q)) == 0
}
