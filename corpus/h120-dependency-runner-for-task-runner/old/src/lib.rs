//! Runs the tasks of a task file.
use std::collections::BTreeMap;

pub struct TaskFile { pub tasks: BTreeMap<String, Vec<String>> }

impl TaskFile {
    pub fn parse(text: &str) -> TaskFile {
        let mut tasks = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(name) = line.strip_suffix(':') {
                current = Some(name.trim().to_string());
                tasks.insert(name.trim().to_string(), Vec::new());
            } else if let (Some(c), true) = (&current, line.starts_with("    ")) {
                tasks.get_mut(c).unwrap().push(line.trim().to_string());
            }
        }
        TaskFile { tasks }
    }

    pub fn run(&self, name: &str) -> std::io::Result<bool> {
        for line in self.tasks.get(name).map(|v| v.as_slice()).unwrap_or(&[]) {
            let status = std::process::Command::new("sh").arg("-c").arg(line).status()?;
            if !status.success() { return Ok(false); }
        }
        Ok(true)
    }
}
