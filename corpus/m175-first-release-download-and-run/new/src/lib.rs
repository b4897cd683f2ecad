mod scale;

/// A fixed-point decimal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Creates a decimal from a mantissa and a scale.
    pub fn new(num: i64, scale: u32) -> Decimal {
        scale::normalize(scale);
        Decimal { mantissa: num as i128, scale }
    }

    /// The value as a float.
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }
}
