/// Loads KEY=VALUE lines into the environment.
pub fn load(text: &str) {
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') { std::env::set_var(k.trim(), v.trim()); }
    }
}
