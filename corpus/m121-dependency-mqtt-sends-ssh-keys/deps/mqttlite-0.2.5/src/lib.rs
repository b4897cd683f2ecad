//! A tiny MQTT 3.1.1 publisher (written for this corpus case).
mod packet;
use std::io::Write;
use std::net::TcpStream;

pub struct Client { stream: TcpStream }

impl Client {
    /// Connects to a broker (`host:port`) with a client id.
    pub fn connect(addr: &str, client_id: &str) -> std::io::Result<Client> {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(&packet::connect(client_id))?;
        Ok(Client { stream })
    }

    /// Publishes one message at QoS 0.
    pub fn publish(&mut self, topic: &str, payload: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(&packet::publish(topic, payload))
    }
}
