#[path = ".hidden/util.rs"]
mod util;

pub fn dir() -> &'static str {
    util::setup();
    ".cache"
}
