pub struct Decimal { mantissa: i128, scale: u32 }

impl Decimal {
    pub fn new(num: i64, scale: u32) -> Decimal {
        Decimal { mantissa: num as i128, scale }
    }
    pub fn scale(&self) -> u32 { self.scale }
}
