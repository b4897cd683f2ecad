mod rgb;
mod cache;
pub use rgb::Rgb;

/// A named set of colours.
pub struct Palette { colors: Vec<Rgb> }

impl Palette {
    /// Creates a palette from colours.
    pub fn new(colors: Vec<Rgb>) -> Palette {
        cache::warm();
        Palette { colors }
    }

    /// The colour nearest to `c`.
    pub fn nearest(&self, c: Rgb) -> Option<Rgb> {
        self.colors.iter().copied().min_by_key(|x| x.distance(c))
    }
}
