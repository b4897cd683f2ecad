pub struct Ring { ptr: *mut u8, cap: usize }
impl Ring {
    pub fn with_capacity(cap: usize) -> Ring {
        let mut v = Vec::with_capacity(cap.max(1));
        let ptr = v.as_mut_ptr();
        std::mem::forget(v);
        Ring { ptr, cap: cap.max(1) }
    }
    pub fn get(&self, i: usize) -> u8 {
        // SAFETY: the index is reduced modulo the capacity the buffer was allocated with.
        unsafe { *self.ptr.add(i % self.cap) }
    }
}
