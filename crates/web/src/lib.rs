/*!
The web front end: an axum [`Router`] serving the search pages (maud HTML, no JavaScript needed)
and the JSON API of `API.md`. This is the only crate that knows HTTP, HTML and JSON wire shapes.

# Brief overview

[`app`] builds the router from an [`AppState`]; `main` and the tests both call it. Handlers are
thin: [`params`] turns a query string into a validated search (or a precise [`params::ParamError`]),
[`AppState::search`] geocodes and asks the index off the async runtime, and [`api`] or [`pages`]
render the answer. [`error::AppError`] is the one error type, rendered as JSON by the API and as
HTML by the pages. [`serve::serve`] runs it all with graceful shutdown and hot index reload;
[`metrics`] holds `/healthz` and `/metrics`. [`cache`] keeps recent search answers in memory,
tied to the index generation they came from.

Every response carries the security headers (a strict Content-Security-Policy that still lets
partner sites frame the embed, `Referrer-Policy: no-referrer`, `nosniff`), an `x-request-id`, and
is gzip-compressed when the client asks. Request logs hold the method, the *route template*, the
status and the latency: never the query string, so never what a person searched for or where.
*/
#![warn(missing_docs)]

pub mod api;
pub mod cache;
pub mod error;
pub mod hsds_api;
pub mod i18n;
pub mod metrics;
pub mod pages;
pub mod params;
pub mod serve;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use iop_core::Listing;
use iop_core::search::{SearchRequest, SearchResults};
use iop_geo::{Geocoder, Place};
use iop_index::{Index, LiveIndex};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use serve::{ServeConfig, ServeError, serve};

use crate::cache::ResponseCache;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::params::SearchParams;

/// How long a request may take before it is answered 503 `timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The Content-Security-Policy of every response: our own scripts, styles and images only (no
/// inline script, no third party), and any site may frame us (the embed).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; frame-ancestors *";

/// What every handler can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The live index (swapped when `iop index` builds a new generation).
    pub index: Arc<LiveIndex>,
    /// The offline geocoder for `near`.
    pub geocoder: Arc<Geocoder>,
    /// Request counters and latency histograms for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Recent search answers (see [`cache`]).
    pub cache: Arc<ResponseCache>,
}

/// A search as answered: what the index was asked, where, what it said, and how long it took.
#[derive(Clone, Debug)]
pub struct Searched {
    /// The request the index answered.
    pub request: SearchRequest,
    /// The geocoded `near`, if given.
    pub place: Option<Place>,
    /// The index's answer.
    pub results: SearchResults,
    /// Milliseconds spent geocoding and searching.
    pub took_ms: f64,
}

impl AppState {
    /// A state over an open index and a loaded geocoder.
    pub fn new(index: LiveIndex, geocoder: Geocoder) -> AppState {
        AppState {
            index: Arc::new(index),
            geocoder: Arc::new(geocoder),
            metrics: Arc::new(Metrics::default()),
            cache: Arc::new(ResponseCache::default()),
        }
    }

    /// The same state with a search cache of `bytes` (0: no cache).
    pub fn with_cache_bytes(mut self, bytes: usize) -> AppState {
        self.cache = Arc::new(ResponseCache::new(bytes));
        self
    }

    /// Opens the index in `index_dir` and loads the geocoder from `data_dir` (the shipped
    /// `data/`).
    pub fn open(index_dir: &Path, data_dir: &Path) -> Result<AppState, ServeError> {
        let index = LiveIndex::open(index_dir)
            .map_err(|source| ServeError::Index { dir: index_dir.to_owned(), source })?;
        let geocoder = Geocoder::load(data_dir).map_err(|e| ServeError::Geocoder {
            dir: data_dir.to_owned(),
            message: e.to_string(),
        })?;
        Ok(AppState::new(index, geocoder))
    }

    /// Geocodes `near` and searches, off the async runtime (both are CPU work). The index
    /// generation is taken once, so a reload during the search does not disturb it.
    pub async fn search(&self, params: &SearchParams) -> Result<Searched, AppError> {
        self.search_on(self.index.current(), params).await
    }

    /// Like [`AppState::search`], on the given generation (the one a cached answer would
    /// belong to).
    pub async fn search_on(
        &self,
        index: Arc<Index>,
        params: &SearchParams,
    ) -> Result<Searched, AppError> {
        let started = Instant::now();
        let geocoder = Arc::clone(&self.geocoder);
        let params = params.clone();
        tokio::task::spawn_blocking(move || {
            let (request, place) = params::resolve(&params, &geocoder)?;
            let results = index.search(&request)?;
            let took_ms = started.elapsed().as_secs_f64() * 1000.0;
            Ok(Searched { request, place, results, took_ms })
        })
        .await?
    }

    /// One listing by id; [`AppError::NotFound`] for an unknown or malformed id.
    pub async fn listing(&self, id: &str) -> Result<Listing, AppError> {
        if !iop_core::id::is_well_formed(id) {
            return Err(AppError::NotFound);
        }
        let index = self.index.current();
        let id = id.to_owned();
        tokio::task::spawn_blocking(move || index.get(&id)).await??.ok_or(AppError::NotFound)
    }

    /// Several listings by id, in the order asked; unknown and malformed ids are skipped.
    pub async fn listings(&self, ids: &[String]) -> Result<Vec<Listing>, AppError> {
        let ids: Vec<String> =
            ids.iter().filter(|id| iop_core::id::is_well_formed(id)).cloned().collect();
        let index = self.index.current();
        let listings = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            index.get_many(&refs)
        })
        .await??;
        Ok(listings)
    }
}

/// The whole application: pages, API, health and metrics, with the layers every response gets.
pub fn app(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    // `Router::layer` wraps every route (and the fallback), so the layers see `MatchedPath`.
    // Layers listed later run first (outermost).
    Router::new()
        .merge(api::routes())
        .merge(hsds_api::routes())
        .merge(pages::routes())
        .merge(metrics::routes())
        .layer(middleware::from_fn(timeout))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&state.metrics), metrics::record))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(on_response),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// The route template of a request (`/api/v1/listings/{id}`), or `unmatched`: a bounded set,
/// safe for logs and metric labels, unlike the URI.
pub fn route_of(req: &Request) -> &str {
    req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str)
}

/// The request span: method and route template, nothing else. Not the URI (its query string is
/// what the person searched for and where), and not the request id either: a client may send
/// its own, and then it is text of their choosing.
fn make_span(req: &Request) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), route = route_of(req))
}

fn on_response(res: &Response, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "response"
    );
}

/// Answers 503 `timeout` (JSON) when a handler takes longer than [`REQUEST_TIMEOUT`].
async fn timeout(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(res) => res,
        Err(_) => AppError::Timeout.into_response(),
    }
}
