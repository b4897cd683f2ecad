#[derive(serde::Serialize)]
pub struct Report { pub title: String }
