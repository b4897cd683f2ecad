/// Settings of an application, kept as strings.
#[derive(Default)]
pub struct Settings {
    pub values: Vec<(String, String)>,
}

/// Saves the settings under HKCU\\Software\\<app> (Windows).
#[cfg(windows)]
pub fn save(app: &str, s: &Settings) -> std::io::Result<()> {
    let hkcu = winreg::RegKey::predef(winreg::enums::HKEY_CURRENT_USER);
    let (key, _) = hkcu.create_subkey(format!("Software\\{app}"))?;
    for (k, v) in &s.values {
        key.set_value(k, v)?;
    }
    Ok(())
}
