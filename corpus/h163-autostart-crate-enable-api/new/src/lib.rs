/// An application to start at login.
pub struct AutoLaunch {
    pub name: String,
    pub exe: std::path::PathBuf,
}

impl AutoLaunch {
    pub fn new(name: &str, exe: &std::path::Path) -> AutoLaunch {
        AutoLaunch { name: name.to_owned(), exe: exe.to_owned() }
    }

    fn entry_path(&self) -> Option<std::path::PathBuf> {
        Some(dirs::config_dir()?.join("autostart").join(format!("{}.desktop", self.name)))
    }

    /// Starts the application at every login, when the user asks for it.
    pub fn enable(&self) -> std::io::Result<()> {
        let path = self.entry_path().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no config dir"))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, format!("[Desktop Entry]\nType=Application\nName={}\nExec={}\n", self.name, self.exe.display()))
    }

    /// Stops starting the application at login.
    pub fn disable(&self) -> std::io::Result<()> {
        match self.entry_path() {
            Some(p) if p.exists() => std::fs::remove_file(p),
            _ => Ok(()),
        }
    }
}
