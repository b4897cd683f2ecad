pub fn is_admin(role: &str) -> bool {
    role == "admin"
}
