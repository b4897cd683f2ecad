#[test]
fn roundtrip() {
    let n = tinyparse::parse("7").expect("parses");
    assert_eq!(n, 7);
    let _ = std::fs::write(std::env::temp_dir().join("tinyparse-test"), b"ok");
}
