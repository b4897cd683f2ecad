use std::time::Duration;

/// Doubles a retry delay, up to a limit.
pub fn backoff(prev: Duration, max: Duration) -> Duration {
    (prev * 2).min(max)
}
