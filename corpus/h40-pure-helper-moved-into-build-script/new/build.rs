use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut table = String::from("/// Digits of 10^k - 1.\npub const MAX_DIGITS: [usize; 20] = [");
    let mut n: u64 = 9;
    for _ in 0..19 {
        let _ = write!(table, "{}, ", digits(n));
        n = n * 10 + 9;
    }
    table.push_str("20];\n");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("digits.rs");
    std::fs::write(out, table).unwrap();
}

/// Number of digits of `n` in base 10.
pub fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}
