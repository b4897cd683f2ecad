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
