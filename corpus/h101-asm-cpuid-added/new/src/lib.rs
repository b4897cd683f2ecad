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

/// True when the counter runs at a constant rate (CPUID leaf 0x80000007, EDX bit 8).
pub fn invariant_tsc() -> bool {
    let edx: u32;
    // SAFETY: cpuid only reads processor information; rbx is saved because LLVM reserves it.
    unsafe {
        std::arch::asm!(
            "mov {tmp:r}, rbx",
            "cpuid",
            "mov rbx, {tmp:r}",
            tmp = out(reg) _,
            inout("eax") 0x8000_0007u32 => _,
            out("ecx") _,
            out("edx") edx,
        );
    }
    edx & (1 << 8) != 0
}
