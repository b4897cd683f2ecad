/// Installs pretty panic messages.
pub fn install() {
    std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}")));
}
