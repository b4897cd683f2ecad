//! Runs programs with a chosen working folder.
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};

pub struct Cmd {
    argv: Vec<OsString>,
    dir: Option<PathBuf>,
}

pub fn cmd<I: IntoIterator<Item = S>, S: Into<OsString>>(argv: I) -> Cmd {
    Cmd { argv: argv.into_iter().map(Into::into).collect(), dir: None }
}

impl Cmd {
    pub fn dir(mut self, d: impl Into<PathBuf>) -> Cmd {
        self.dir = Some(d.into());
        self
    }

    pub fn run(&self) -> std::io::Result<ExitStatus> {
        let mut c = Command::new(&self.argv[0]);
        c.args(&self.argv[1..]);
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        c.status()
    }
}
