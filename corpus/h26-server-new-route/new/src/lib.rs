use std::io::{Read, Write};
use std::net::TcpListener;

pub fn serve(addr: &str) -> std::io::Result<()> {
    let l = TcpListener::bind(addr)?;
    for s in l.incoming() {
        let mut s = s?;
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf)?;
        let body = route(&buf[..n]);
        s.write_all(body.as_bytes())?;
    }
    Ok(())
}

fn route(req: &[u8]) -> &'static str {
    if req.starts_with(b"GET / ") { "HTTP/1.0 200 OK\r\n\r\nhello" } else if req.starts_with(b"GET /health ") { "HTTP/1.0 200 OK\r\n\r\nok" } else { "HTTP/1.0 404 Not Found\r\n\r\n" }
}
