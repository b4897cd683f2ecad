include!(concat!(env!("OUT_DIR"), "/table.rs"));
