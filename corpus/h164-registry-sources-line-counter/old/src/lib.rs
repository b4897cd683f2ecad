/// Counts lines of Rust in a folder tree.
pub fn count_lines(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += count_lines(&p);
        } else if p.extension().is_some_and(|x| x == "rs") {
            n += std::fs::read_to_string(&p).map(|t| t.lines().count()).unwrap_or(0);
        }
    }
    n
}
