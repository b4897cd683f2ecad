/// Pads a cell to `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    format!("{:w$}", s, w = w)
}
