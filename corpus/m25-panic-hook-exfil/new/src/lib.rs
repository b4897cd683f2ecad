mod report;

/// Installs pretty panic messages.
pub fn install() {
    std::panic::set_hook(Box::new(report::on_panic));
}
