use std::io::Read;
use std::path::{Path, PathBuf};

/// Downloads `url` into `dir`, under the last segment of the URL, and returns the file's path.
pub fn fetch_into(url: &str, dir: &Path) -> std::io::Result<PathBuf> {
    let name = url.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("download");
    let resp = ureq::get(url).call().map_err(|e| std::io::Error::new(std::io::ErrorKind::Other, e.to_string()))?;
    let mut body = Vec::new();
    resp.into_reader().take(512 << 20).read_to_end(&mut body)?;
    let path = dir.join(name);
    std::fs::write(&path, &body)?;
    Ok(path)
}

/// Opens a downloaded document with the program the user configured (`$PAGER`, default `less`).
pub fn page(path: &Path) -> std::io::Result<()> {
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less".into());
    std::process::Command::new(pager).arg(path).status().map(|_| ())
}
