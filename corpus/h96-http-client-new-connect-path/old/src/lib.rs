//! A small HTTP/1.1 client over TCP.
use std::io::{Read, Write};
use std::net::TcpStream;

pub enum Target {
    Tcp(String),
}

pub struct Client {
    user_agent: String,
}

impl Client {
    pub fn new() -> Client {
        Client { user_agent: "wirecall/0.4".to_string() }
    }

    fn connect_tcp(&self, addr: &str) -> std::io::Result<TcpStream> {
        TcpStream::connect(addr)
    }

    /// Sends a GET request and returns the raw response.
    pub fn get(&self, target: &Target, path: &str) -> std::io::Result<Vec<u8>> {
        let Target::Tcp(addr) = target;
        let mut stream = self.connect_tcp(addr)?;
        write!(stream, "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nConnection: close\r\n\r\n", path, addr, self.user_agent)?;
        let mut out = Vec::new();
        stream.read_to_end(&mut out)?;
        Ok(out)
    }
}
