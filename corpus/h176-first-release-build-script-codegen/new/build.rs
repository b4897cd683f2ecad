use std::fmt::Write;

const UNITS: [(&str, u64); 4] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40)];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut code = String::from("pub static UNITS: &[(&str, u64)] = &[\n");
    for (name, size) in UNITS {
        let _ = writeln!(code, "    ({name:?}, {size}),");
    }
    code.push_str("];\n");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("units.rs"), code).unwrap();
}
