pub struct Hint { pub text: &'static str, pub r#type: &'static str, pub example: &'static str }

pub fn missing_tool() -> Hint {
    Hint {
        text: "the tool was not found; download it with curl -LO from the releases page and verify the checksum",
        r#type: "missing",
        example: "http://192.168.1.10:8080/status",
    }
}
