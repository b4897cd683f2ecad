//! Length unit conversion.

include!(concat!(env!("OUT_DIR"), "/units.rs"));

/// Metres in one `unit` (or one of its long names), if the unit is known.
pub fn factor(unit: &str) -> Option<f64> {
    let unit = canonical(unit);
    UNITS.iter().find(|(n, _)| *n == unit).map(|(_, f)| *f)
}

/// Converts `value` from unit `from` to unit `to`.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    Some(value * factor(from)? / factor(to)?)
}
