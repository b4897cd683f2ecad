//! Colour space conversions.
mod gamut;

/// An sRGB colour.
pub struct Rgb(pub u8, pub u8, pub u8);

/// Converts to a grey level.
pub fn to_grey(c: &Rgb) -> u8 {
    ((c.0 as u32 * 30 + c.1 as u32 * 59 + c.2 as u32 * 11) / 100) as u8
}
