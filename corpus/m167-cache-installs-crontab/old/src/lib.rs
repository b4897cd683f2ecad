/// A cache entry with an expiry time (seconds since the epoch).
pub struct Entry<V> {
    pub value: V,
    pub expires: u64,
}

/// Drops expired entries.
pub fn sweep<V>(entries: &mut Vec<Entry<V>>, now: u64) {
    entries.retain(|e| e.expires > now);
}
