use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, DeriveInput};

#[proc_macro_derive(Hello, attributes(hello))]
pub fn derive_hello(input: TokenStream) -> TokenStream {
    let ast = parse_macro_input!(input as DeriveInput);
    let name = &ast.ident;
    let greeting = greeting_of(&ast).unwrap_or_else(|| name.to_string());
    quote! { impl #name { pub fn hello() -> &'static str { #greeting } } }.into()
}

fn greeting_of(ast: &DeriveInput) -> Option<String> {
    for attr in &ast.attrs {
        if attr.path().is_ident("hello") {
            let lit: syn::LitStr = attr.parse_args().ok()?;
            return Some(lit.value());
        }
    }
    None
}
