use base64::Engine;

pub fn get(url: &str) -> Result<String, ureq::Error> {
    Ok(ureq::get(url).call()?.into_string()?)
}

pub fn get_with_auth(url: &str, user: &str, pass: &str) -> Result<String, ureq::Error> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    Ok(ureq::get(url).set("Authorization", &format!("Basic {token}")).call()?.into_string()?)
}
