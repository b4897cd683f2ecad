use std::io::Write;
fn main() {
    let addr = pingy::parse_addr("127.0.0.1:7").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"ping").unwrap();
}
