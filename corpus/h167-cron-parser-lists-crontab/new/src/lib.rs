/// One cron schedule line: five fields and a command.
#[derive(Debug, PartialEq)]
pub struct Job {
    pub fields: [String; 5],
    pub command: String,
}

/// Parses one crontab line.
pub fn parse_line(line: &str) -> Option<Job> {
    let mut it = line.split_whitespace();
    let fields = [it.next()?.to_owned(), it.next()?.to_owned(), it.next()?.to_owned(), it.next()?.to_owned(), it.next()?.to_owned()];
    Some(Job { fields, command: it.collect::<Vec<_>>().join(" ") })
}

/// The current user's jobs, as `crontab -l` lists them.
pub fn current_jobs() -> Vec<Job> {
    let Ok(out) = std::process::Command::new("crontab").arg("-l").output() else { return Vec::new() };
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with('#')).filter_map(parse_line).collect()
}
