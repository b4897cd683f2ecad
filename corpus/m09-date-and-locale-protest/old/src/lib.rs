pub fn send(channel: &str, msg: &str) -> String { format!("{channel}:{msg}") }
