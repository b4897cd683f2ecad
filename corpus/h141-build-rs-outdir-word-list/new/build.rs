use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=data/locales.txt");
    println!("cargo:rerun-if-changed=data/names.txt");
    let list = include_str!("data/locales.txt");
    let names: Vec<&str> = list.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut code = format!("pub static LOCALES: &[&str] = &{:?};\n", names);
    let pairs: Vec<(&str, &str)> = include_str!("data/names.txt").lines().filter_map(|l| l.split_once('=')).collect();
    code.push_str("/// Each locale's name in its own language.\n");
    code.push_str(&format!("pub static NATIVE_NAMES: &[(&str, &str)] = &{:?};\n", pairs));
    let out = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out).join("locales.rs"), code).unwrap();
}
