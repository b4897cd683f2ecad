/// A queued unit of work.
pub struct Work(pub u32);

pub use std::process::Command as Job;
pub type Task = std::process::Command;
