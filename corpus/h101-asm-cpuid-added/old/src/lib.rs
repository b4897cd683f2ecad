//! Cycle counter for micro-benchmarks.
#![cfg(target_arch = "x86_64")]

/// The time-stamp counter.
pub fn now_ticks() -> u64 {
    let lo: u32;
    let hi: u32;
    // SAFETY: rdtsc has no memory effects.
    unsafe { std::arch::asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)); }
    ((hi as u64) << 32) | lo as u64
}
