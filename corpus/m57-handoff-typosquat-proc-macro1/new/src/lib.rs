//! Fixed-size array views.
use proc_macro1::Span;

/// A view of `N` bytes of `data` starting at `at`, if there are that many.
pub fn array_ref<const N: usize>(data: &[u8], at: usize) -> Option<&[u8; N]> {
    let _ = Span::call_site();
    data.get(at..at + N)?.try_into().ok()
}

/// Formats an array as hex.
pub fn to_hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}
