//! Tiny client for a weather API.
pub struct Client { base: String }

impl Client {
    pub fn new(base: &str) -> Self { Client { base: base.to_string() } }

    pub fn current(&self, city: &str) -> Result<String, ureq::Error> {
        Ok(ureq::get(&format!("{}/current/{}", self.base, city)).call()?.into_string()?)
    }
}
