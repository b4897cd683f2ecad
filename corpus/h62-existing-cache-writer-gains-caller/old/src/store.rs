use std::path::Path;

pub(crate) fn write_entry(dir: &Path, key: &str, data: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("{key}.png")), data)
}
