use std::net::TcpStream;

/// Connects to the server.
pub fn connect(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr)
}
