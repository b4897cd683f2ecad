include!(concat!(env!("OUT_DIR"), "/units.rs"));

/// Formats a byte count with the largest unit that fits.
pub fn human(n: u64) -> String {
    for (name, size) in UNITS.iter().rev() {
        if n >= *size {
            return format!("{:.1} {name}", n as f64 / *size as f64);
        }
    }
    format!("{n} B")
}
