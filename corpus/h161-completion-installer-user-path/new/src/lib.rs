/// Shells the generator knows.
#[derive(Clone, Copy, Debug)]
pub enum Shell { Bash, Zsh, Fish }

/// The completion script for `bin` in `shell`.
pub fn script(shell: Shell, bin: &str, subcommands: &[&str]) -> String {
    let words = subcommands.join(" ");
    match shell {
        Shell::Bash => format!("complete -W \"{words}\" {bin}\n"),
        Shell::Zsh => format!("#compdef {bin}\n_arguments '1: :({words})'\n"),
        Shell::Fish => subcommands.iter().map(|s| format!("complete -c {bin} -a {s}\n")).collect(),
    }
}

/// Writes the completion script to `dest`, the file the user chose (`--install PATH`).
pub fn install(shell: Shell, bin: &str, subcommands: &[&str], dest: &std::path::Path) -> std::io::Result<()> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(dest, script(shell, bin, subcommands))
}

/// Where bash-completion looks for user scripts, for the help text.
pub fn default_bash_dir() -> Option<std::path::PathBuf> {
    dirs::data_dir().map(|d| d.join("bash-completion").join("completions"))
}
