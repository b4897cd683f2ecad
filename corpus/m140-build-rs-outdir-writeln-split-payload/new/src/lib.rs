//! Length unit conversion.

include!(concat!(env!("OUT_DIR"), "/units.rs"));

static WARM: std::sync::Once = std::sync::Once::new();

/// Metres in one `unit`, if the unit is known.
pub fn factor(unit: &str) -> Option<f64> {
    WARM.call_once(warm);
    UNITS.iter().find(|(n, _)| *n == unit).map(|(_, f)| *f)
}

/// Converts `value` from unit `from` to unit `to`.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    Some(value * factor(from)? / factor(to)?)
}
