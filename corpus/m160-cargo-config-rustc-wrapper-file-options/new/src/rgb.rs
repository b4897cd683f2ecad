#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Squared distance in RGB space.
    pub fn distance(self, o: Rgb) -> u32 {
        let d = |a: u8, b: u8| (a as i32 - b as i32).pow(2) as u32;
        d(self.0, o.0) + d(self.1, o.1) + d(self.2, o.2)
    }
}
