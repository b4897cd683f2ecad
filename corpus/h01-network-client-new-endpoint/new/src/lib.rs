//! Tiny client for a weather API.
pub struct Client { base: String }

impl Client {
    pub fn new(base: &str) -> Self { Client { base: base.to_string() } }

    pub fn current(&self, city: &str) -> Result<String, ureq::Error> {
        Ok(ureq::get(&format!("{}/current/{}", self.base, city)).call()?.into_string()?)
    }

    /// Five-day forecast for a city.
    pub fn forecast(&self, city: &str, days: u8) -> Result<String, ureq::Error> {
        let url = format!("{}/forecast/{}?days={}", self.base, city, days.min(5));
        Ok(ureq::get(&url).call()?.into_string()?)
    }
}
