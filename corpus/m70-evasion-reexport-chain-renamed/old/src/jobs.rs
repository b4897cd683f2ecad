/// A queued unit of work.
pub struct Work(pub u32);
