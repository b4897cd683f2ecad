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
