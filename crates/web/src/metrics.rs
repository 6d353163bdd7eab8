//! Operations: `/healthz` and `/metrics` (Prometheus text exposition, written by hand).
//!
//! Labels come only from bounded sets, the route *template* (`/api/v1/listings/{id}`, never the
//! path) and the status class (`2xx`..`5xx`), so no user input can grow the label space.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Upper bounds of the latency histogram buckets, in seconds.
pub const BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let i = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        self.counts[i] += 1;
        self.sum += seconds;
        self.count += 1;
    }
}

/// Request counts and latencies per route template and status class.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str), Histogram>>,
    reloads: std::sync::atomic::AtomicU64,
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        let class = status_class(status);
        // A poisoned lock only means another request panicked mid-update: the counts are
        // still the best we have.
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = map.get_mut(&(route.to_owned(), class)) {
            h.observe(seconds);
        } else {
            let mut h = Histogram::default();
            h.observe(seconds);
            map.insert((route.to_owned(), class), h);
        }
    }

    /// Counts a swap to a new index generation.
    pub fn index_reloaded(&self) {
        self.reloads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with the index facts of `state`.
    pub fn render(&self, state: &AppState) -> String {
        let mut out = String::new();
        let map = self.requests.lock().unwrap_or_else(|p| p.into_inner()).clone();
        out.push_str(
            "# HELP iop_http_requests_total HTTP requests by route template and status class.\n",
        );
        out.push_str("# TYPE iop_http_requests_total counter\n");
        for ((route, class), h) in &map {
            let _ = writeln!(
                out,
                "iop_http_requests_total{{route=\"{}\",status=\"{class}\"}} {}",
                escape(route),
                h.count
            );
        }
        out.push_str(
            "# HELP iop_http_request_duration_seconds HTTP request latency by route template and status class.\n",
        );
        out.push_str("# TYPE iop_http_request_duration_seconds histogram\n");
        for ((route, class), h) in &map {
            let labels = format!("route=\"{}\",status=\"{class}\"", escape(route));
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(
                    out,
                    "iop_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "iop_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "iop_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ =
                writeln!(out, "iop_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        let index = state.index.current();
        let stats = index.stats();
        let gauges: [(&str, &str, f64); 4] = [
            (
                "iop_index_listings",
                "Listings in the current index generation.",
                stats.listings as f64,
            ),
            (
                "iop_index_size_bytes",
                "Bytes on disk of the current index generation.",
                stats.size_bytes as f64,
            ),
            (
                "iop_index_build_seconds",
                "Seconds the current index generation took to build.",
                stats.build_seconds,
            ),
            (
                "iop_index_schema_version",
                "Schema version of the current index generation.",
                f64::from(stats.schema_version),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        let (hits, misses) = state.cache.counts();
        let _ = writeln!(
            out,
            "# HELP iop_search_cache_hits_total Searches answered from the in-memory cache.\n\
             # TYPE iop_search_cache_hits_total counter\niop_search_cache_hits_total {hits}\n\
             # HELP iop_search_cache_misses_total Searches computed (not in the cache).\n\
             # TYPE iop_search_cache_misses_total counter\niop_search_cache_misses_total {misses}\n\
             # HELP iop_search_cache_bytes Bytes of answers held in the cache.\n\
             # TYPE iop_search_cache_bytes gauge\niop_search_cache_bytes {}",
            state.cache.bytes()
        );
        let _ = writeln!(
            out,
            "# HELP iop_index_reloads_total Index generations swapped in without a restart.\n\
             # TYPE iop_index_reloads_total counter\niop_index_reloads_total {}",
            self.reloads.load(std::sync::atomic::Ordering::Relaxed)
        );
        out
    }
}

/// Label values are route templates (ours), but escape them anyway as the format requires.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: records every request's route template, status class and latency.
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = crate::route_of(&req).to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.observe(&route, res.status().as_u16(), started.elapsed().as_secs_f64());
    res
}

/// `/healthz` and `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(prometheus))
}

/// The health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers (it cannot run without an index).
    #[schema(example = "ok")]
    pub status: &'static str,
    /// This program's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// Listings in the index.
    #[schema(example = 1234)]
    pub listings: u64,
    /// When the index was built (RFC 3339, UTC).
    #[schema(example = "2026-01-01T00:00:00Z")]
    pub index_built_at: String,
    /// The index's schema version.
    #[schema(example = 1)]
    pub schema_version: u32,
}

/// Health: the server is up and its index is loaded.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Up, with the index loaded", body = Health))
)]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let index = state.index.current();
    let stats = index.stats();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        listings: stats.listings,
        index_built_at: stats.built_at.clone(),
        schema_version: stats.schema_version,
    })
}

async fn prometheus(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(&state);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
