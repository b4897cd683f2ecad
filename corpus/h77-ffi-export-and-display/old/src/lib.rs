/// A version triple.
pub struct Version { pub major: u32, pub minor: u32 }
