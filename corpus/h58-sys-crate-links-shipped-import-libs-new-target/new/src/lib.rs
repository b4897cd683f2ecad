//! Import libraries for the Windows API (GNU targets); no Rust code.
