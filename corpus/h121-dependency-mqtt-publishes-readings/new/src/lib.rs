//! Reads a temperature sensor.
pub struct Sensor { path: String }

impl Sensor {
    pub fn new(path: &str) -> Sensor { Sensor { path: path.to_string() } }

    pub fn read_celsius(&self) -> std::io::Result<f64> {
        let raw = std::fs::read_to_string(&self.path)?;
        Ok(raw.trim().parse::<f64>().unwrap_or(0.0) / 1000.0)
    }
}

/// Publishes the sensor's reading to the broker the caller names.
pub fn publish_reading(sensor: &Sensor, broker: &str, topic: &str) -> std::io::Result<()> {
    let value = sensor.read_celsius()?;
    let mut client = mqttlite::Client::connect(broker, "thermo-report")?;
    client.publish(topic, format!("{value:.1}").as_bytes())
}
