pub use crate::jobs::Job;
pub use crate::jobs::Task;
