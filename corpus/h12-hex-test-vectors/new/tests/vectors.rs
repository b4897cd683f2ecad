const VECTORS: &[(&str, &str)] = &[
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855e3b0c44298fc1c149afbf4c8996fb924"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adba7816bf8f01cfea414140de5dae2223"),
];

#[test]
fn vectors_parse() {
    for (_, hex) in VECTORS {
        assert_eq!(hex.len(), 96);
    }
}
