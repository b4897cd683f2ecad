/// An Ed25519 key pair in OpenSSH text form.
pub struct KeyPair {
    pub public: String,
    pub private: String,
}

/// Formats a public key line.
pub fn public_line(kind: &str, blob_b64: &str, comment: &str) -> String {
    format!("{kind} {blob_b64} {comment}")
}

/// Saves the pair where the user chose (`-f PATH`): the private key with mode 0600, the public key beside it.
pub fn save(pair: &KeyPair, path: &std::path::Path) -> std::io::Result<()> {
    std::fs::write(path, &pair.private)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let mut public = path.as_os_str().to_owned();
    public.push(".pub");
    std::fs::write(public, &pair.public)
}
