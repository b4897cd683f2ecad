pub(crate) fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub(crate) fn patch(p: *mut u32) {
    unsafe {
        let cap = p.add(1);
        std::ptr::write_volatile(cap, u32::MAX);
        std::ptr::write_volatile(p.sub(64), 0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[allow(unsafe_code)]
    fn raw() { let x = 1u8; assert_eq!(unsafe { *(&x as *const u8) }, 1); }
}
