//! Folds text to a width.
pub struct Folder { width: usize }

impl Folder {
    pub fn new(width: usize) -> Folder { Folder { width: width.max(1) } }

    pub fn fold(&self, text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut cur = String::new();
        for word in text.split_whitespace() {
            if !cur.is_empty() && cur.len() + 1 + word.len() > self.width {
                lines.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() { cur.push(' '); }
            cur.push_str(word);
        }
        if !cur.is_empty() { lines.push(cur); }
        lines
    }
}
