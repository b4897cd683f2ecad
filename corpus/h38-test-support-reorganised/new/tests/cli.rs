mod common;

#[test]
fn prints_grouped() {
    assert_eq!(common::run_demo("1234").trim(), "1,234");
}
