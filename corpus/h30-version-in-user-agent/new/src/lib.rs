pub fn fetch(url: &str) -> Result<String, ureq::Error> {
    let ua = concat!("fetchy/", env!("CARGO_PKG_VERSION"));
    Ok(ureq::get(url).set("User-Agent", ua).call()?.into_string()?)
}
