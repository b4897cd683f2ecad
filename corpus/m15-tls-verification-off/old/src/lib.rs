pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().build().expect("client")
}
