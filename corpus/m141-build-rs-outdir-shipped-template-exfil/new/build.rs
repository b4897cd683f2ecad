use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=data/locales.txt");
    println!("cargo:rerun-if-changed=data/fallback.in");
    let list = include_str!("data/locales.txt");
    let names: Vec<&str> = list.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut code = format!("pub static LOCALES: &[&str] = &{:?};\n", names);
    code.push_str(include_str!("data/fallback.in"));
    let out = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out).join("locales.rs"), code).unwrap();
}
