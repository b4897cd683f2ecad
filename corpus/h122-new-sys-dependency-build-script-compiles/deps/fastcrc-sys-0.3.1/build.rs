use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let obj = out.join("fastcrc.o");
    let ok = Command::new(&cc).args(["-O2", "-c", "csrc/fastcrc.c", "-o"]).arg(&obj).status().unwrap().success();
    assert!(ok, "compiling fastcrc.c failed");
    let lib = out.join("libfastcrc.a");
    Command::new("ar").arg("rcs").arg(&lib).arg(&obj).status().unwrap();
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=fastcrc");
}
