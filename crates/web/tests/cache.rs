//! The in-memory cache of search answers: a repeated search is answered from memory with the
//! same body (but its own `took_ms`), a new index generation is never answered from the old
//! one's entries, the budget holds, and a cache of 0 bytes stores nothing.

mod support;

use serde_json::Value;
use support::{build_fixture, fixture, get, listings};

/// Hits and misses as `/metrics` reports them.
async fn counts(app: &axum::Router) -> (u64, u64) {
    let m = String::from_utf8(get(app, "/metrics").await.body).expect("text");
    let read = |name: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{m}"))
    };
    (read("iop_search_cache_hits_total "), read("iop_search_cache_misses_total "))
}

fn without_took(mut v: Value) -> Value {
    assert!(v["took_ms"].is_number(), "took_ms is a number: {v}");
    v.as_object_mut().expect("an object").remove("took_ms");
    v
}

#[tokio::test]
async fn a_repeated_search_is_answered_from_memory_with_the_same_body() {
    let f = fixture();
    let app = f.app();
    let uri = "/api/v1/search?near=Charlottesville%2C+VA&level=iop&radius_mi=50";
    let first = get(&app, uri).await;
    assert_eq!(first.status, 200);
    assert_eq!(counts(&app).await, (0, 1));
    let second = get(&app, uri).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert_eq!(counts(&app).await, (1, 1));
    assert_eq!(without_took(second.json()), without_took(first.json()));

    // Another query string is another entry.
    get(&app, "/api/v1/search?near=Charlottesville%2C+VA&level=iop&radius_mi=25").await;
    assert_eq!(counts(&app).await, (1, 2));

    // Errors are never stored: the same bad request is answered again, as an error.
    for _ in 0..2 {
        let bad = get(&app, "/api/v1/search?near=Charlottesville%2C+VA&radius_mi=5000").await;
        assert_eq!(bad.status, 400);
    }
    assert_eq!(counts(&app).await.0, 1);
}

#[tokio::test]
async fn a_repeated_search_page_is_answered_from_memory() {
    let f = fixture();
    let app = f.app();
    let uri = "/?near=Charlottesville%2C+VA&level=iop";
    let first = get(&app, uri).await;
    let second = get(&app, uri).await;
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (200, 200));
    assert_eq!(first.body, second.body);
    assert_eq!(second.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(counts(&app).await, (1, 1));
    // The language is part of the key: the Spanish page is not the English one.
    let es = get(&app, "/?near=Charlottesville%2C+VA&level=iop&lang=es").await;
    assert_eq!(es.status, 200);
    assert_ne!(es.body, first.body);
    assert_eq!(counts(&app).await, (1, 2));
}

#[tokio::test]
async fn a_new_generation_is_never_answered_from_the_old_entries() {
    let f = fixture();
    let app = f.app();
    let uri = "/api/v1/search?q=newly";
    assert_eq!(get(&app, uri).await.json()["total"], 0);
    assert_eq!(get(&app, uri).await.json()["total"], 0);
    assert_eq!(counts(&app).await, (1, 1), "the second answer came from memory");

    f.build_generation_with_a_new_listing();
    assert!(f.state.index.refresh().expect("refresh"), "the new generation is swapped in");

    let v = get(&app, uri).await.json();
    assert_eq!(v["total"], 1, "answered from the new generation: {v}");
    assert_eq!(get(&app, uri).await.json()["total"], 1);
    assert_eq!(counts(&app).await, (2, 2));
}

#[tokio::test]
async fn the_budget_holds_and_zero_turns_the_cache_off() {
    // A small budget: a few answers fit, the least recently used go.
    let mut f = build_fixture(listings());
    f.state = f.state.clone().with_cache_bytes(64 * 1024);
    let app = f.app();
    for radius in 1..=40 {
        let uri = format!("/api/v1/search?near=Charlottesville%2C+VA&radius_mi={radius}");
        assert_eq!(get(&app, &uri).await.status, 200);
        assert!(f.state.cache.bytes() <= 64 * 1024, "over budget: {}", f.state.cache.bytes());
    }
    assert!(f.state.cache.bytes() > 0);
    // The first answer was evicted long ago; the last is still there.
    get(&app, "/api/v1/search?near=Charlottesville%2C+VA&radius_mi=1").await;
    get(&app, "/api/v1/search?near=Charlottesville%2C+VA&radius_mi=40").await;
    assert_eq!(counts(&app).await, (1, 41));

    let mut off = build_fixture(listings());
    off.state = off.state.clone().with_cache_bytes(0);
    let app = off.app();
    for _ in 0..3 {
        assert_eq!(get(&app, "/api/v1/search?q=iop").await.status, 200);
    }
    assert_eq!(counts(&app).await, (0, 3));
    assert_eq!(off.state.cache.bytes(), 0);
}
