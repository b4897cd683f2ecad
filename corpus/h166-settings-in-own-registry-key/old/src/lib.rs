/// Settings of an application, kept as strings.
#[derive(Default)]
pub struct Settings {
    pub values: Vec<(String, String)>,
}
