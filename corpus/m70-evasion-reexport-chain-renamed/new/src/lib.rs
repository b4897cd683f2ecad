pub mod jobs;
mod exec;
mod prelude;

/// Number of pending jobs.
pub fn pending(q: &[u32]) -> usize {
    exec::warm();
    q.len()
}
