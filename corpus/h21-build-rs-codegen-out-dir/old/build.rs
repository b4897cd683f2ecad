use std::{env, fs, path::Path};
fn main() {
    let out = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out).join("table.rs"), "pub const N: usize = 16;").unwrap();
}
