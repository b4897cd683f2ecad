pub fn fetch(url: &str) -> Result<String, ureq::Error> {
    Ok(ureq::get(url).call()?.into_string()?)
}
