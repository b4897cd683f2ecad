/// An application to start at login.
pub struct AutoLaunch {
    pub name: String,
    pub exe: std::path::PathBuf,
}

impl AutoLaunch {
    pub fn new(name: &str, exe: &std::path::Path) -> AutoLaunch {
        AutoLaunch { name: name.to_owned(), exe: exe.to_owned() }
    }
}
