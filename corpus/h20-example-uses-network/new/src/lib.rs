pub fn parse_addr(s: &str) -> Option<std::net::SocketAddr> { s.parse().ok() }
