mod ops;
mod scale;
pub use ops::round;

pub struct Decimal { mantissa: i128, scale: u32 }

impl Decimal {
    /// Creates a decimal from a mantissa and a scale.
    pub fn new(num: i64, scale: u32) -> Decimal {
        scale::normalize(scale);
        Decimal { mantissa: num as i128, scale }
    }
}
