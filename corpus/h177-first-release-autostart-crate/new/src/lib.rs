use std::path::{Path, PathBuf};

/// Starting an application at login, on Linux desktops.
pub struct AutoStart {
    name: String,
    exec: PathBuf,
}

impl AutoStart {
    pub fn new(name: &str, exec: &Path) -> AutoStart {
        AutoStart { name: name.to_owned(), exec: exec.to_owned() }
    }

    fn entry(&self) -> Option<PathBuf> {
        Some(dirs::config_dir()?.join("autostart").join(format!("{}.desktop", self.name)))
    }

    /// Adds the login entry; the application calls this when its user ticks "start at login".
    pub fn enable(&self) -> std::io::Result<()> {
        let path = self.entry().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no config dir"))?;
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
        std::fs::write(&path, format!("[Desktop Entry]\nType=Application\nName={}\nExec={}\n", self.name, self.exec.display()))
    }

    /// Whether the entry exists.
    pub fn is_enabled(&self) -> bool {
        self.entry().is_some_and(|p| p.exists())
    }
}
