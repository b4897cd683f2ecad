//! A small HTTP/1.1 client over TCP.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub enum Target {
    Tcp(String),
}

pub struct Client {
    user_agent: String,
    connect_timeout: Option<Duration>,
}

impl Client {
    pub fn new() -> Client {
        Client { user_agent: "wirecall/0.4".to_string(), connect_timeout: None }
    }

    pub fn connect_timeout(mut self, t: Duration) -> Client {
        self.connect_timeout = Some(t);
        self
    }

    fn connect_tcp(&self, addr: &str) -> std::io::Result<TcpStream> {
        TcpStream::connect(addr)
    }

    /// Tries each listed address (`host:port` or several, comma-separated) in turn, each within the timeout.
    fn connect_each(&self, addr: &str, timeout: Duration) -> std::io::Result<TcpStream> {
        let mut last = None;
        let addrs: Vec<SocketAddr> = addr.split(',').filter_map(|a| a.trim().parse().ok()).collect();
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address")))
    }

    /// Sends a GET request and returns the raw response.
    pub fn get(&self, target: &Target, path: &str) -> std::io::Result<Vec<u8>> {
        let Target::Tcp(addr) = target;
        let mut stream = match self.connect_timeout {
            Some(t) => self.connect_each(addr, t)?,
            None => self.connect_tcp(addr)?,
        };
        write!(stream, "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nConnection: close\r\n\r\n", path, addr, self.user_agent)?;
        let mut out = Vec::new();
        stream.read_to_end(&mut out)?;
        Ok(out)
    }
}
