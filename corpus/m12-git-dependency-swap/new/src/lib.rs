use sha2::Digest;
pub fn hash(d: &[u8]) -> Vec<u8> { sha2::Sha256::digest(d).to_vec() }
