use proc_macro::TokenStream;

#[proc_macro_derive(Lite)]
pub fn derive_lite(input: TokenStream) -> TokenStream {
    let ast: syn::DeriveInput = syn::parse(input).unwrap();
    let name = ast.ident;
    quote::quote!(impl Lite for #name {}).into()
}
