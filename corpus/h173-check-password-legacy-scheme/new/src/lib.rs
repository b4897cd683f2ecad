/// A stored password: salt and digest.
pub struct Stored {
    pub salt: [u8; 16],
    pub digest: [u8; 32],
}

const MIN_LEN: usize = 8;

/// True when `password` matches the stored digest (or the digest of the previous scheme, during migration).
pub fn check_password(stored: &Stored, password: &str) -> bool {
    if password.len() < MIN_LEN {
        return false;
    }
    let d = digest(&stored.salt, password.as_bytes());
    eq(&d, &stored.digest) || eq(&legacy_digest(password.as_bytes()), &stored.digest)
}

fn legacy_digest(pw: &[u8]) -> [u8; 32] {
    digest(&[0u8; 16], pw)
}

fn digest(salt: &[u8], pw: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in salt.iter().chain(pw).enumerate() {
        out[i % 32] = out[i % 32].wrapping_mul(31).wrapping_add(*b);
    }
    out
}

fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |x, (p, q)| x | (p ^ q)) == 0
}
