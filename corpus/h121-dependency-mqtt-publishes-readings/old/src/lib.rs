//! Reads a temperature sensor.
pub struct Sensor { path: String }

impl Sensor {
    pub fn new(path: &str) -> Sensor { Sensor { path: path.to_string() } }

    pub fn read_celsius(&self) -> std::io::Result<f64> {
        let raw = std::fs::read_to_string(&self.path)?;
        Ok(raw.trim().parse::<f64>().unwrap_or(0.0) / 1000.0)
    }
}
