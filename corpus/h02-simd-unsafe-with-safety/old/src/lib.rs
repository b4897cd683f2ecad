/// Sums a slice of bytes.
pub fn sum(data: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("sse2") {
            // SAFETY: sse2 support was checked just above.
            return unsafe { sum_sse2(data) };
        }
    }
    data.iter().map(|&b| b as u64).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn sum_sse2(data: &[u8]) -> u64 {
    data.iter().map(|&b| b as u64).sum()
}
