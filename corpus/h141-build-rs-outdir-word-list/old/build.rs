use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=data/locales.txt");
    let list = include_str!("data/locales.txt");
    let names: Vec<&str> = list.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let out = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out).join("locales.rs"), format!("pub static LOCALES: &[&str] = &{:?};\n", names)).unwrap();
}
