pub mod jobs;
mod exec;

/// Number of pending jobs.
pub fn pending(q: &[u32]) -> usize {
    q.len()
}
