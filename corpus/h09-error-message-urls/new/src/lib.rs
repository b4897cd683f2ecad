#[derive(Debug)]
pub struct Error(pub String);
pub fn check(n: i32) -> Result<(), Error> {
    if n < 0 {
        return Err(Error(format!("negative input {}; see https://docs.rs/errs/latest/errs/fn.check.html", n)));
    }
    Ok(())
}
