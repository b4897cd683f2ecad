#[derive(serde::Serialize)]
pub struct Report { pub title: String }

impl Report {
    pub fn to_json(&self) -> String { serde_json::to_string(self).unwrap_or_default() }
}
