mod handlers;

static ROUTES: &[(&str, fn(&str) -> String)] = &[("/", handlers::index), ("/health", handlers::health)];

/// Dispatches a request path.
pub fn dispatch(path: &str) -> String {
    for (p, h) in ROUTES { if *p == path { return h(path); } }
    "404".into()
}
