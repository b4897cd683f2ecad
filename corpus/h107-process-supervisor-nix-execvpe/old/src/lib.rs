//! Runs a command and restarts it when it exits.
use nix::sys::wait::waitpid;
use nix::unistd::{execvp, fork, ForkResult};
use std::ffi::CString;

/// Starts `argv` in a child process; the child's pid.
pub fn start(argv: &[CString]) -> nix::Result<nix::unistd::Pid> {
    // SAFETY: the child only calls execvp.
    match unsafe { fork()? } {
        ForkResult::Child => {
            let _ = execvp(&argv[0], argv);
            std::process::exit(127);
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Waits for `pid` to exit.
pub fn wait(pid: nix::unistd::Pid) -> nix::Result<()> {
    waitpid(pid, None).map(|_| ())
}
