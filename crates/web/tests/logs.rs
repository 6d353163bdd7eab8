//! Logs hold no query text and no precise location.
//!
//! Alone in its own test binary on purpose: tracing caches each call site's interest
//! process-wide, and a test on another thread that hits a call site while this test installs
//! its thread-local subscriber can leave that call site switched off, so the log comes out
//! empty. With no other test in the process there is no such race.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use support::{fixture, get, id};

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_hold_no_query_text_or_location() {
    let f = fixture();
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        // No timestamps: their digits could look like a coordinate below.
        .without_time()
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = f.app();
    let a = get(&app, "/api/v1/search?q=zanzibarquux&near=Charlottesville%2C%20VA&lang=es").await;
    assert_eq!(a.status, StatusCode::OK);
    let bad = get(&app, "/api/v1/search?q=zanzibarquux&near=Xyzzyville%2C%20VA").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let point = get(&app, "/api/v1/search?near=38.987654,-78.456789&radius_mi=50").await;
    assert_eq!(point.status, StatusCode::OK);
    get(&app, &format!("/api/v1/listings/{}", id("cville-iop"))).await;
    let log = String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("utf-8");
    assert!(log.contains("/api/v1/search"), "the route template is logged: {log}");
    assert!(log.contains("status=200") && log.contains("status=422"), "{log}");
    assert!(log.contains("/api/v1/listings/{id}"), "{log}");
    for secret in [
        "zanzibarquux",
        "Charlottesville",
        "Xyzzyville",
        "987654",
        "456789",
        "lang=es",
        &id("cville-iop"),
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}: {log}");
    }
}
