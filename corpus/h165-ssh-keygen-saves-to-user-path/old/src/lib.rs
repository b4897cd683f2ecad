/// An Ed25519 key pair in OpenSSH text form.
pub struct KeyPair {
    pub public: String,
    pub private: String,
}

/// Formats a public key line.
pub fn public_line(kind: &str, blob_b64: &str, comment: &str) -> String {
    format!("{kind} {blob_b64} {comment}")
}
