pub struct Hint { pub text: &'static str }

pub fn missing_tool() -> Hint {
    Hint { text: "the tool was not found" }
}
