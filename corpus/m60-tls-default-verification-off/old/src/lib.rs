//! A small SMTP client's connection settings.
use std::time::Duration;

/// How the client connects to the server.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Check the server certificate chain.
    pub verify_certificates: bool,
    /// Check that the certificate names the host.
    pub verify_hostname: bool,
    /// Accept certificates that fail verification (testing only).
    pub danger_accept_invalid_certs: bool,
    /// Give up on a silent server after this long.
    pub timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            verify_certificates: true,
            verify_hostname: true,
            danger_accept_invalid_certs: false,
            timeout: Duration::from_secs(60),
        }
    }
}
