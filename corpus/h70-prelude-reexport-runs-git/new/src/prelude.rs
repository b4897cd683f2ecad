pub use std::process::Command;
