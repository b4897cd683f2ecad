mod handlers;
mod metrics;

static ROUTES: &[(&str, fn(&str) -> String)] = &[("/", handlers::index), ("/health", handlers::health), ("/metrics", metrics::export)];

/// Dispatches a request path.
pub fn dispatch(path: &str) -> String {
    for (p, h) in ROUTES { if *p == path { return h(path); } }
    "404".into()
}
