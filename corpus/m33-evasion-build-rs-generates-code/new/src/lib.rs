include!(concat!(env!("OUT_DIR"), "/probe.rs"));

pub fn cpus() -> usize {
    probe();
    1
}
