//! HTML pages rendered with maud: search (`/`), listing (`/listings/{id}`), referral sheet
//! (`/referral`, `/referral.txt`), the partner embed (`/embed`, `/widget.js`), static assets, and
//! the HTML 404 for any other path.
//!
//! Every page works without JavaScript, makes no third-party request, sets no cookie, and shows
//! the crisis lines. Text comes in English or Spanish ([`crate::i18n`]): the `lang` parameter,
//! else the browser's `Accept-Language`, else English. Views are plain functions from data to
//! [`maud::Markup`]; handlers only parse, ask [`AppState`], and pick the view and status.
//!
//! Search and referral pages are sent with `Cache-Control: no-store`: their URLs hold what a
//! person searched for, which no shared cache should keep.

pub mod assets;
pub mod common;
pub mod layout;
pub mod listing;
pub mod map;
pub mod referral;
pub mod search;
pub mod url;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use self::layout::{Ctx, page};
use self::search::{FormError, Outcome};
use self::url::QueryPairs;
use crate::error::AppError;
use crate::i18n::{self, Lang, Msg};
use crate::params::{self, ParamError, Problem};
use crate::{AppState, cache};

/// Page routes, and the HTML 404 for every path no other route takes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(search_page))
        .route("/embed", get(embed_page))
        .route("/listings/{id}", get(listing_page))
        .route("/referral", get(referral_page))
        .route("/referral.txt", get(referral_text))
        .route("/widget.js", get(assets::widget))
        .route("/assets/{file}", get(assets::serve))
        .fallback(not_found_page)
}

/// How long a response may be cached.
#[derive(Clone, Copy, Debug)]
enum Caching {
    /// Never stored (the URL or the body holds a search).
    NoStore,
    /// Public for a few minutes (listing pages).
    Short,
}

fn respond(status: StatusCode, caching: Caching, markup: Markup) -> Response {
    respond_bytes(status, caching, Bytes::from(markup.into_string()))
}

fn respond_bytes(status: StatusCode, caching: Caching, html: Bytes) -> Response {
    let cache = match caching {
        Caching::NoStore => "no-store",
        Caching::Short => "public, max-age=300",
    };
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            // The language may come from Accept-Language.
            (header::VARY, HeaderValue::from_static("Accept-Language")),
        ],
        html,
    )
        .into_response()
}

/// The request's language and query.
fn context(headers: &HeaderMap, raw: Option<&str>, path: &str, embed: bool) -> Ctx {
    let query = QueryPairs::parse(raw.unwrap_or("")).normalized();
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = i18n::negotiate(query.get("lang"), accept);
    Ctx { lang, path: path.to_owned(), query, embed }
}

/// `GET /`: the form, and results when a place, a state or words were given.
async fn search_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let ctx = context(&headers, raw.as_deref(), "/", false);
    search_response(&state, ctx).await
}

/// `GET /embed`: the same search with minimal chrome, for the partner widget's iframe.
async fn embed_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let ctx = context(&headers, raw.as_deref(), "/embed", true);
    search_response(&state, ctx).await
}

async fn search_response(state: &AppState, ctx: Ctx) -> Response {
    let title = ctx.t(Msg::SearchHeading);
    // Filters alone (a partner's defaults, the language switch) fill in the form; a search
    // needs somewhere to look or something to look for.
    let asked = ["near", "state", "q"].iter().any(|k| ctx.query.has(k));
    if !asked {
        return respond(
            StatusCode::OK,
            Caching::NoStore,
            page(&ctx, title, search::search_body(&ctx, None, None)),
        );
    }
    // Everything the page depends on: the path (`/` or `/embed`), the language and the
    // normalised query.
    let key = format!("{}\u{1f}{}", ctx.lang.code(), ctx.query.href(&ctx.path));
    let generation = state.index.current();
    if let Some(html) = state.cache.get(&generation, cache::Kind::Html, &key) {
        return respond_bytes(StatusCode::OK, Caching::NoStore, html);
    }
    // `lang` is chosen leniently above; the search itself takes the rest.
    let pairs = ctx.query.without(&["lang"]);
    let parsed = params::parse_pairs(pairs.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let searched = match parsed {
        Ok(mut p) => {
            p.lang = ctx.lang;
            state.search_on(Arc::clone(&generation), &p).await.map(|s| (p, s))
        }
        Err(e) => Err(AppError::BadParameter(e)),
    };
    match searched {
        Ok((p, s)) => {
            let outcome = Outcome {
                results: &s.results,
                page: p.page,
                per_page: p.per_page,
                place: s.place.as_ref(),
                radius_mi: p.radius_mi,
                state: p.state.as_deref(),
            };
            let body = search::search_body(&ctx, Some(&outcome), None);
            let html = Bytes::from(page(&ctx, title, body).into_string());
            state.cache.put(&state.index, &generation, cache::Kind::Html, &key, html.clone());
            respond_bytes(StatusCode::OK, Caching::NoStore, html)
        }
        Err(AppError::BadParameter(e)) => {
            let fe = form_error(&ctx, &e);
            let body = search::search_body(&ctx, None, Some(&fe));
            respond(e.status(), Caching::NoStore, page(&ctx, title, body))
        }
        Err(other) => error_page(&ctx, &other),
    }
}

/// A parameter error as shown beside the form, with its suggestions as links to the same
/// search corrected.
fn form_error(ctx: &Ctx, e: &ParamError) -> FormError {
    let path = if ctx.embed { "/embed" } else { "/" };
    let q = ctx.query.without(&["page"]);
    let suggestions = match &e.problem {
        Problem::UnknownLocation { suggestions, .. } => {
            suggestions.iter().map(|s| (s.clone(), search::with_near(&q, s).href(path))).collect()
        }
        Problem::UnknownValue { value, suggestion: Some(s) } => {
            let fixed: Vec<&str> = q
                .list(&e.param)
                .into_iter()
                .map(|v| if v.eq_ignore_ascii_case(value) { s.as_str() } else { v })
                .collect();
            let label = e
                .param
                .parse::<iop_core::Group>()
                .map(|g| common::label_or_value(ctx.lang, g, s))
                .unwrap_or_else(|_| s.clone());
            vec![(label, q.with(&e.param, Some(&fixed.join(","))).href(path))]
        }
        _ => Vec::new(),
    };
    FormError { param: Some(e.param.clone()), message: e.message(ctx.lang), suggestions }
}

/// An error that is not about the form (500, 503): the message, the crisis lines (in the
/// banner) and a way back.
fn error_page(ctx: &Ctx, e: &AppError) -> Response {
    e.log();
    let body = html! {
        h1 { (ctx.t(Msg::ErrorTitle)) }
        p #error-message data-test="error" { (e.message(ctx.lang)) }
        p { a href=(ctx.link("/", &QueryPairs::default())) { (ctx.t(Msg::BackToSearch)) } }
    };
    respond(e.status(), Caching::NoStore, page(ctx, ctx.t(Msg::ErrorTitle), body))
}

/// `GET /listings/{id}`.
async fn listing_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let path = common::listing_path(&id);
    let ctx = context(&headers, raw.as_deref(), &path, false);
    match state.listing(&id).await {
        Ok(l) => respond(
            StatusCode::OK,
            Caching::Short,
            page(&ctx, &l.name, listing::listing_body(&ctx, &l)),
        ),
        Err(AppError::NotFound) => not_found(&ctx, ctx.t(Msg::ListingNotFound)),
        Err(e) => error_page(&ctx, &e),
    }
}

fn not_found(ctx: &Ctx, message: &str) -> Response {
    let body = html! {
        h1 { (ctx.t(Msg::NotFoundTitle)) }
        p #error-message data-test="error" { (message) }
        p { a href=(ctx.link("/", &QueryPairs::default())) { (ctx.t(Msg::BackToSearch)) } }
    };
    respond(StatusCode::NOT_FOUND, Caching::NoStore, page(ctx, ctx.t(Msg::NotFoundTitle), body))
}

/// Any other path: an HTML 404 in the user's language.
async fn not_found_page(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let ctx = context(&headers, uri.query(), uri.path(), false);
    let message = match ctx.lang {
        Lang::En => "There is no page at this address.",
        Lang::Es => "No hay ninguna página en esta dirección.",
    };
    not_found(&ctx, message)
}

/// The ids of a referral request, or why they cannot make a sheet.
fn referral_ids(ctx: &Ctx) -> Result<Vec<String>, String> {
    let ids: Vec<String> = ctx.query.list("ids").into_iter().map(str::to_owned).collect();
    if ids.is_empty() {
        return Err(ctx.t(Msg::ReferralEmpty).to_owned());
    }
    if ids.len() > referral::MAX_IDS {
        return Err(i18n::referral_too_many(ctx.lang, referral::MAX_IDS));
    }
    Ok(ids)
}

/// `GET /referral?ids=a,b,c`.
async fn referral_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let ctx = context(&headers, raw.as_deref(), "/referral", false);
    let title = ctx.t(Msg::ReferralTitle);
    let ids = match referral_ids(&ctx) {
        Ok(ids) => ids,
        Err(message) => {
            let body = html! {
                h1 { (title) }
                p .err #error-message role="alert" data-test="error" { (message) }
                p { a href=(ctx.link("/", &QueryPairs::default())) { (ctx.t(Msg::BackToSearch)) } }
            };
            return respond(StatusCode::BAD_REQUEST, Caching::NoStore, page(&ctx, title, body));
        }
    };
    match state.listings(&ids).await {
        Ok(found) if found.is_empty() => not_found(&ctx, ctx.t(Msg::ReferralMissing)),
        Ok(found) => {
            let missing = ids.len().saturating_sub(found.len());
            let body = referral::referral_body(&ctx, &found, missing);
            respond(StatusCode::OK, Caching::NoStore, page(&ctx, title, body))
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// `GET /referral.txt?ids=a,b,c`: the sheet as plain text.
async fn referral_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let ctx = context(&headers, raw.as_deref(), "/referral.txt", false);
    let text = |status: StatusCode, body: String| {
        (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::VARY, HeaderValue::from_static("Accept-Language")),
            ],
            body,
        )
            .into_response()
    };
    let ids = match referral_ids(&ctx) {
        Ok(ids) => ids,
        Err(message) => return text(StatusCode::BAD_REQUEST, format!("{message}\n")),
    };
    match state.listings(&ids).await {
        Ok(found) if found.is_empty() => {
            text(StatusCode::NOT_FOUND, format!("{}\n", ctx.t(Msg::ReferralMissing)))
        }
        Ok(found) => text(StatusCode::OK, referral::referral_text(ctx.lang, &found)),
        Err(e) => {
            e.log();
            text(e.status(), format!("{}\n", e.message(ctx.lang)))
        }
    }
}
