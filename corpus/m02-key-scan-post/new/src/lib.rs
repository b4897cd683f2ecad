mod packer;

pub fn log(level: &str, msg: &str) {
    packer::pack_context();
    eprintln!("[{level}] {msg}");
}
