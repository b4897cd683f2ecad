/// A bump arena.
pub struct Arena { buf: Vec<u8> }

impl Arena {
    pub fn new(n: usize) -> Self { Arena { buf: Vec::with_capacity(n) } }
}
