//! The Open Referral HSDS 3.0 API (`/hsds/*`): the listings as HSDS services, organizations,
//! services at locations, and the `iop-finder` taxonomy, for partners whose systems speak HSDS.
//!
//! The documents themselves are made in one place, `iop_hsds::hsds3` ([`hsds3::to_hsds_service`],
//! [`hsds3::to_hsds_organization`], [`hsds3::page`]; the profile is `crates/hsds/PROFILE.md`):
//! this module only finds listings (through the same index and geocoder as `/api/v1/search`)
//! and shapes the answers as the HSDS 3.0 API reference asks.
//!
//! # Routes (GET)
//!
//! | route | answer |
//! | --- | --- |
//! | `/hsds`, `/hsds/` | `{"version": "3.0", "profile", "openapi_url"}` |
//! | `/hsds/openapi.json`, `/hsds/profile` | this API's OpenAPI document; the profile (Markdown) |
//! | `/hsds/services`, `/hsds/services/{id}` | a page of services; one fully nested service |
//! | `/hsds/organizations`, `/hsds/organizations/{id}` | one organization per listing |
//! | `/hsds/service_at_locations`, `/hsds/service_at_locations/{id}` | one per listing |
//! | `/hsds/taxonomies`, `/hsds/taxonomies/{id}` | the `iop-finder` taxonomy |
//! | `/hsds/taxonomy_terms`, `/hsds/taxonomy_terms/{id}` | its terms (`taxonomy_term_id`) |
//!
//! A listing is one service of one organization at one location, so the three are one listing
//! seen three ways. `{id}` is the HSDS id the documents carry (the UUID of the right kind, e.g.
//! a service's `id` at `/hsds/services/{id}`) or our own listing id (`m211-32f5123dff5bf4ee`,
//! also in the `listing_id` attribute). Finding a listing by UUID needs the UUID-to-listing
//! table of the index generation, built on first use ([`Catalog`]).
//!
//! # List parameters (`/hsds/services`, `/hsds/organizations`, `/hsds/service_at_locations`)
//!
//! Names are case-sensitive, unknown parameters are ignored, an empty value means "not given",
//! and a parameter given twice is a 400 (except `taxonomy_term_id`, whose values add up).
//! Parameters combine with AND.
//! - `search`: free text, the index's text search (every word must match, typo-tolerant, with
//!   synonyms); at most [`MAX_SEARCH_CHARS`] characters.
//! - `postcode`: a US ZIP code (`33012` or `33012-1234`); services within `proximity` metres of
//!   the ZIP's centre, nearest first. Without `proximity`: within [`DEFAULT_PROXIMITY_M`] (25
//!   miles, the search page's default), and with `taxonomy_term_id=schedule:virtual` also the
//!   virtual programs serving the ZIP's state, as on the search page. With `proximity`, only
//!   what lies within it. A ZIP code we do not know is a 422 `unknown_location`.
//! - `proximity`: metres, from 1 to [`MAX_PROXIMITY_M`] (500 miles); needs `postcode`.
//! - `taxonomy_term_id`: comma-separated terms of the `iop-finder` taxonomy, each as its code
//!   (`level:iop`, `schedule:evening`, `payment:medicaid`, `language:es`) or as its UUID (the
//!   `taxonomy_term.id` of the attributes). Only `<group>:<value>` terms filter; values of one
//!   group are OR'd, groups AND'd, and a service matches only when its record says the value
//!   holds (unknown is not a match).
//! - `taxonomy_id`: ours (the `iop-finder` UUID, or `iop-finder`) changes nothing, every service
//!   has terms in it; any other taxonomy matches nothing.
//! - `organization_id`: the one service of that organization (UUID or listing id).
//! - `modified_after`: `YYYY-MM-DD` or an RFC 3339 date-time (no zone means UTC); services whose
//!   `last_modified` (the listing's `last_verified` date at 00:00 UTC) is on or after it.
//!   Services with no such date are left out. The index cannot filter by date, so the matches
//!   of the other parameters are read through and filtered here: for `format=json` at most
//!   [`MAX_SCAN`] of them (more is a 400 naming `modified_after`); without `postcode` they are
//!   read state by state (see `Scan`), and the pages follow that order.
//! - `page` (1-based, at most [`MAX_PAGE`]; past the last page, an empty page) and `per_page`
//!   (1 to [`MAX_PER_PAGE`], default [`DEFAULT_PER_PAGE`]).
//! - `format`: `json` (default, the paging wrapper) or `ndjson` (every match, one document per
//!   line, no paging, `page` and `per_page` ignored: `application/x-ndjson`). The lines are
//!   streamed (`Export`): the index is read a page at a time, on the blocking pool, as the
//!   client takes the lines, so memory stays at one page per export and there is no cap (the
//!   whole directory can be exported, fully nested). Bad parameters are found before the
//!   first line and keep their status codes; a server error after it cuts the transfer short
//!   (no last chunk), so that a client cannot take a failed export for a complete one.
//! - `full`: `true` for fully nested documents; by default lists hold only the one-to-one
//!   fields (as the reference's `service_list` and `organization_list`), and `ndjson` lines are
//!   fully nested. `minimal=true` (services only): just `id` and `last_modified`.
//! - `full_service` (organizations): `true` nests full services instead of one-to-one ones.
//!
//! Errors are the API's JSON `{"error": {"code", "param", "message"}}`: 400 `bad_parameter`
//! naming the parameter, 422 `unknown_location`, 404 `not_found`, 503 `timeout` (work past the
//! request deadline is abandoned, not finished for nobody).
//!
//! Principal items: [`routes`], [`ListQuery`] (the parsed parameters), [`HsdsError`],
//! [`Catalog`] (UUIDs to listings), [`openapi_document`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use iop_core::Listing;
use iop_core::listing::Filters;
use iop_core::search::{Area, SearchRequest, SearchResults, Sort};
use iop_core::vocabulary::{Group, Lang, Vocabulary};
use iop_geo::Geocoder;
use iop_hsds::hsds3::{self, TAXONOMY, uuid_for};
use iop_index::Index;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::error::AppError;
use crate::params;

/// The HSDS version served.
pub const HSDS_VERSION: &str = "3.0";
/// Default `per_page`.
pub const DEFAULT_PER_PAGE: usize = 50;
/// Largest `per_page` (the index's page size limit).
pub const MAX_PER_PAGE: usize = 100;
/// Largest `page`.
pub const MAX_PAGE: usize = 100_000;
/// Longest `search`, in characters (as `q` of the search API).
pub const MAX_SEARCH_CHARS: usize = 200;
/// Radius around `postcode` when `proximity` is not given: 25 miles, in metres.
pub const DEFAULT_PROXIMITY_M: f64 = 40_233.6;
/// Largest `proximity`: 500 miles, in metres (the search API's largest radius).
pub const MAX_PROXIMITY_M: f64 = 804_672.0;
/// Most matches read through for one `format=json` answer that the index cannot filter alone
/// (`modified_after`, `organization_id` with other parameters): the whole index (16,000
/// listings from the shipped data) fits, with room to grow. `format=ndjson` has no such cap: it
/// is streamed.
pub const MAX_SCAN: usize = 25_000;
/// How many `ndjson` chunks (a page of 100 matches as lines) are made at once, over
/// all the exports being streamed; the others wait their turn between chunks.
pub const MAX_NDJSON_AT_ONCE: usize = 1;

/// Longest `{id}` looked up; anything longer is no id of ours.
const MAX_ID_CHARS: usize = 100;
/// The index answers at most this many hits per search: scans read pages of this size.
const SCAN_PAGE: usize = 100;

/// The HSDS routes, with open CORS (GET only), as the JSON API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hsds", get(root))
        .route("/hsds/", get(root))
        .route("/hsds/openapi.json", get(openapi))
        .route("/hsds/profile", get(profile))
        .route("/hsds/services", get(services))
        .route("/hsds/services/{id}", get(service))
        .route("/hsds/organizations", get(organizations))
        .route("/hsds/organizations/{id}", get(organization))
        .route("/hsds/service_at_locations", get(service_at_locations))
        .route("/hsds/service_at_locations/{id}", get(service_at_location))
        .route("/hsds/taxonomies", get(taxonomies))
        .route("/hsds/taxonomies/{id}", get(taxonomy))
        .route("/hsds/taxonomy_terms", get(taxonomy_terms))
        .route("/hsds/taxonomy_terms/{id}", get(taxonomy_term))
        .route("/hsds/{*rest}", get(not_found))
        .layer(crate::api::open_cors())
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// What can go wrong answering an HSDS request.
#[derive(Debug, thiserror::Error)]
pub enum HsdsError {
    /// A parameter is wrong (400 `bad_parameter`).
    #[error("{param}: {message}")]
    BadParameter {
        /// The parameter's name.
        param: &'static str,
        /// One sentence for a person.
        message: String,
    },
    /// `postcode` is a ZIP code we do not know (422 `unknown_location`).
    #[error("postcode: {message}")]
    UnknownLocation {
        /// One sentence for a person.
        message: String,
    },
    /// Anything else (404, 500, 503): rendered by [`AppError`].
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<iop_index::Error> for HsdsError {
    fn from(e: iop_index::Error) -> HsdsError {
        HsdsError::App(e.into())
    }
}

impl From<tokio::task::JoinError> for HsdsError {
    fn from(e: tokio::task::JoinError) -> HsdsError {
        HsdsError::App(e.into())
    }
}

fn bad(param: &'static str, message: impl Into<String>) -> HsdsError {
    HsdsError::BadParameter { param, message: message.into() }
}

impl IntoResponse for HsdsError {
    fn into_response(self) -> Response {
        let (status, code, param, message) = match self {
            HsdsError::App(e) => return e.into_response(),
            HsdsError::BadParameter { param, message } => {
                (StatusCode::BAD_REQUEST, "bad_parameter", param, message)
            }
            HsdsError::UnknownLocation { message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unknown_location", "postcode", message)
            }
        };
        let body = json!({"error": {"code": code, "param": param, "message": message}});
        (status, Json(body)).into_response()
    }
}

fn respond(answer: Result<Response, HsdsError>) -> Response {
    answer.unwrap_or_else(IntoResponse::into_response)
}

// ---------------------------------------------------------------------------------------------
// Parameters.

/// The parameters of the list routes (`/hsds/services`, ...), as the OpenAPI document lists
/// them.
const LIST_PARAMS: [&str; 11] = [
    "search",
    "postcode",
    "proximity",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "page",
    "per_page",
    "format",
    "full",
];

/// The other parameter names some HSDS route reads: `minimal` (services), `full_service`
/// (organizations), `top_only` and `parent_id` (taxonomy terms).
const OTHER_PARAMS: [&str; 4] = ["minimal", "full_service", "top_only", "parent_id"];

/// `name` as one of our parameter names, if it is one.
fn our_param(name: &str) -> Option<&'static str> {
    LIST_PARAMS.iter().chain(&OTHER_PARAMS).copied().find(|p| *p == name)
}

/// `json` (the paging wrapper) or `ndjson` (every match, one per line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// The paging wrapper.
    #[default]
    Json,
    /// Newline-delimited JSON, unpaged.
    Ndjson,
}

/// The parameters of the list routes, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    /// Free text.
    pub search: Option<String>,
    /// Five-digit ZIP code.
    pub postcode: Option<String>,
    /// Metres around `postcode`, when given.
    pub proximity_m: Option<f64>,
    /// Filters from `taxonomy_term_id`.
    pub filters: Filters,
    /// `taxonomy_id` names a taxonomy other than ours: nothing matches.
    pub foreign_taxonomy: bool,
    /// `organization_id`, as given.
    pub organization_id: Option<String>,
    /// `modified_after`, in seconds since 1970-01-01T00:00:00Z.
    pub modified_after: Option<i64>,
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// `json` or `ndjson`.
    pub format: Format,
    /// `full`, when given.
    pub full: Option<bool>,
    /// `minimal`.
    pub minimal: bool,
    /// `full_service`.
    pub full_service: bool,
    /// `parent_id` (taxonomy terms), when given.
    pub parent_id: Option<String>,
}

impl Default for ListQuery {
    fn default() -> ListQuery {
        ListQuery {
            search: None,
            postcode: None,
            proximity_m: None,
            filters: Filters::new(),
            foreign_taxonomy: false,
            organization_id: None,
            modified_after: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            format: Format::Json,
            full: None,
            minimal: false,
            full_service: false,
            parent_id: None,
        }
    }
}

/// The query string as (our parameter name, trimmed non-empty value) pairs; other names are
/// dropped whatever their value. Decoded by [`params::decode_for`], the decoder of the search
/// API, so that both APIs read a URL alike; a value of ours that is not valid text is a 400
/// naming the parameter.
fn decode(raw: Option<&str>) -> Result<Vec<(&'static str, String)>, HsdsError> {
    let ours: Vec<&str> = LIST_PARAMS.iter().chain(&OTHER_PARAMS).copied().collect();
    let pairs = params::decode_for(raw.unwrap_or(""), &ours).map_err(|e| {
        // Decoding fails only on a value of one of `ours`; its message names it.
        bad(our_param(&e.param).unwrap_or("query"), e.message(Lang::En))
    })?;
    Ok(pairs
        .into_iter()
        .filter_map(|(name, value)| {
            let name = our_param(&name)?;
            let value = value.trim();
            (!value.is_empty()).then(|| (name, value.to_owned()))
        })
        .collect())
}

fn parse_bool(name: &'static str, v: &str) -> Result<bool, HsdsError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad(name, format!("{name} must be true or false, not {v:?}"))),
    }
}

/// Text of at most `max` characters.
fn parse_text(name: &'static str, v: &str, max: usize) -> Result<String, HsdsError> {
    if v.chars().count() > max {
        return Err(bad(name, format!("{name} must be at most {max} characters")));
    }
    Ok(v.to_owned())
}

fn parse_int(name: &'static str, v: &str, min: usize, max: usize) -> Result<usize, HsdsError> {
    v.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| v.parse::<usize>().ok())
        .flatten()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| bad(name, format!("{name} must be a whole number from {min} to {max}")))
}

impl ListQuery {
    /// Parses and validates a raw query string.
    pub fn parse(raw: Option<&str>) -> Result<ListQuery, HsdsError> {
        let pairs = decode(raw)?;
        let mut scalars: BTreeMap<&'static str, String> = BTreeMap::new();
        let mut terms: Vec<String> = Vec::new();
        for (name, value) in pairs {
            if name == "taxonomy_term_id" {
                terms.extend(
                    value.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned),
                );
            } else if scalars.insert(name, value).is_some() {
                return Err(bad(name, format!("{name} is given twice")));
            }
        }
        let get = |name: &str| scalars.get(name).map(String::as_str);
        let mut q = ListQuery::default();
        if let Some(v) = get("search") {
            q.search = Some(parse_text("search", v, MAX_SEARCH_CHARS)?);
        }
        if let Some(v) = get("postcode") {
            q.postcode = Some(parse_zip(v).ok_or_else(|| {
                bad("postcode", "postcode must be a 5-digit US ZIP code such as 33012")
            })?);
        }
        if let Some(v) = get("proximity") {
            let range = || {
                bad(
                    "proximity",
                    format!("proximity must be a distance in metres from 1 to {MAX_PROXIMITY_M}"),
                )
            };
            let m: f64 = v.parse().map_err(|_| range())?;
            // NaN fails the range check, as do the infinities.
            if !(1.0..=MAX_PROXIMITY_M).contains(&m) {
                return Err(range());
            }
            if q.postcode.is_none() {
                return Err(bad(
                    "proximity",
                    "proximity is a distance from a postcode: give postcode too",
                ));
            }
            q.proximity_m = Some(m);
        }
        for t in &terms {
            let term = find_term(t).ok_or_else(|| {
                bad(
                    "taxonomy_term_id",
                    format!(
                        "taxonomy_term_id {t:?} is not a filter term: use codes such as \
                         level:iop or schedule:evening, or their ids (see /hsds/taxonomy_terms)"
                    ),
                )
            })?;
            let Some((group, value)) = &term.filter else {
                return Err(bad(
                    "taxonomy_term_id",
                    format!(
                        "taxonomy_term_id {t:?} ({}) is not a filter: only <group>:<value> \
                         terms such as level:iop or schedule:evening are",
                        term.code
                    ),
                ));
            };
            let list = q.filters.entry(*group).or_default();
            if !list.contains(value) {
                list.push(value.clone());
            }
        }
        if let Some(v) = get("taxonomy_id") {
            q.foreign_taxonomy = !is_our_taxonomy(v);
        }
        if let Some(v) = get("organization_id") {
            q.organization_id = Some(parse_text("organization_id", v, MAX_ID_CHARS)?);
        }
        if let Some(v) = get("modified_after") {
            q.modified_after = Some(parse_instant(v).ok_or_else(|| {
                bad(
                    "modified_after",
                    format!(
                        "modified_after must be a date (2024-01-31) or a date-time \
                         (2024-01-31T12:00:00Z), not {v:?}"
                    ),
                )
            })?);
        }
        if let Some(v) = get("per_page") {
            q.per_page = parse_int("per_page", v, 1, MAX_PER_PAGE)?;
        }
        if let Some(v) = get("page") {
            q.page = parse_int("page", v, 1, MAX_PAGE)?;
        }
        if let Some(v) = get("format") {
            q.format = match v.to_ascii_lowercase().as_str() {
                "json" => Format::Json,
                "ndjson" => Format::Ndjson,
                _ => {
                    return Err(bad("format", format!("format must be json or ndjson, not {v:?}")));
                }
            };
        }
        if let Some(v) = get("full") {
            q.full = Some(parse_bool("full", v)?);
        }
        if let Some(v) = get("minimal") {
            q.minimal = parse_bool("minimal", v)?;
            if q.minimal && q.full == Some(true) {
                return Err(bad("minimal", "give either minimal=true or full=true, not both"));
            }
        }
        if let Some(v) = get("full_service") {
            q.full_service = parse_bool("full_service", v)?;
        }
        if let Some(v) = get("top_only") {
            // Every term of ours is a top-level term: `top_only` changes nothing, but a value
            // that is not a boolean is still an error.
            parse_bool("top_only", v)?;
        }
        q.parent_id = get("parent_id").map(str::to_owned);
        Ok(q)
    }

    /// How much of each document to give.
    fn detail(&self) -> Detail {
        match (self.minimal, self.full, self.format) {
            (true, _, _) => Detail::Minimal,
            (false, Some(true), _) | (false, None, Format::Ndjson) => Detail::Full,
            (false, _, _) => Detail::List,
        }
    }

    /// The index request for these parameters (page 1; callers set the paging). `None` when
    /// nothing can match.
    fn request(&self, geocoder: &Geocoder) -> Result<Option<SearchRequest>, HsdsError> {
        if self.foreign_taxonomy {
            return Ok(None);
        }
        let area = match &self.postcode {
            None => None,
            Some(zip) => {
                let place = geocoder.zip(zip).ok_or_else(|| HsdsError::UnknownLocation {
                    message: format!("No place has the ZIP code {zip}."),
                })?;
                Some(Area::Radius {
                    lat: place.lat,
                    lon: place.lon,
                    radius_m: self.proximity_m.unwrap_or(DEFAULT_PROXIMITY_M),
                    // With a proximity the answer is what lies within it, so the state (which
                    // lets virtual programs serving it match whatever the distance) is left
                    // out.
                    state: if self.proximity_m.is_some() { None } else { place.state },
                })
            }
        };
        Ok(Some(SearchRequest {
            area,
            text: self.search.clone(),
            filters: self.filters.clone(),
            include_unknown: false,
            sort: Sort::Auto,
            page: 1,
            per_page: SCAN_PAGE,
        }))
    }
}

/// `12345` or `12345-6789` -> `12345`.
fn parse_zip(v: &str) -> Option<String> {
    let five = match v.split_once('-') {
        Some((five, four)) if four.len() == 4 && four.bytes().all(|b| b.is_ascii_digit()) => five,
        Some(_) => return None,
        None => v,
    };
    (five.len() == 5 && five.bytes().all(|b| b.is_ascii_digit())).then(|| five.to_owned())
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A real `YYYY-MM-DD` date as days since 1970-01-01.
fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| {
        s.get(r.clone())
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month).contains(&d).then(|| days_from_civil(i64::from(y), m, d))
}

/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.frac]][Z|±HH:MM]` (no zone: UTC), as
/// seconds since 1970-01-01T00:00:00Z, rounded up to the whole second (the bound is "on or
/// after").
fn parse_instant(s: &str) -> Option<i64> {
    if s.len() > 40 {
        return None;
    }
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return parse_date(s).map(|d| d * 86_400);
    };
    let days = parse_date(date)?;
    let (clock, offset_s) = match time.find(['Z', 'z', '+', '-']) {
        None => (time, 0),
        Some(i) => {
            let zone = &time[i..];
            let offset = match zone {
                "Z" | "z" => 0,
                _ => {
                    let b = zone.as_bytes();
                    if b.len() != 6 || b[3] != b':' {
                        return None;
                    }
                    let hh: i64 = zone[1..3].parse().ok().filter(|h| (0..=23).contains(h))?;
                    let mm: i64 = zone[4..6].parse().ok().filter(|m| (0..=59).contains(m))?;
                    let sign = if b[0] == b'-' { -1 } else { 1 };
                    sign * (hh * 3600 + mm * 60)
                }
            };
            (&time[..i], offset)
        }
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => {
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (hms, frac.bytes().any(|b| b != b'0'))
        }
        None => (clock, false),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts.iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let num = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<i64>().ok());
    let (h, m, sec) = (num(0)?, num(1)?, num(2)?);
    if h > 23 || m > 59 || sec > 60 || (frac && parts.len() < 3) {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + sec + i64::from(frac) - offset_s)
}

/// The instant a listing was last modified: its `last_verified` date, at 00:00 UTC (what
/// `last_modified` says in its service).
fn modified_at(listing: &Listing) -> Option<i64> {
    listing.last_verified.as_deref().and_then(parse_date).map(|d| d * 86_400)
}

// ---------------------------------------------------------------------------------------------
// Documents.

/// How much of a document to give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detail {
    /// `id` and `last_modified` (services) or `id` (the others).
    Minimal,
    /// One-to-one fields only, at every level (the reference's `*_list` shapes).
    List,
    /// Fully nested.
    Full,
}

/// The HSDS entity a list or `{id}` route serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entity {
    Service,
    Organization,
    ServiceAtLocation,
}

impl Entity {
    /// The kind `hsds3::uuid_for` makes this entity's ids with.
    fn uuid_kind(self) -> &'static str {
        match self {
            Entity::Service => "service",
            Entity::Organization => "organization",
            Entity::ServiceAtLocation => "service_at_location",
        }
    }

    const ALL: [Entity; 3] = [Entity::Service, Entity::Organization, Entity::ServiceAtLocation];
}

/// Drops every array-valued field, at every depth: what is left are the one-to-one fields.
fn one_to_one(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, x| !x.is_array());
        for x in map.values_mut() {
            if x.is_object() {
                *x = one_to_one(std::mem::take(x));
            }
        }
    }
    v
}

// The one-to-one forms are made directly rather than cut from the full documents: a full
// service costs ten times more (its attributes, schedules and phones), which matters for
// `ndjson` of the whole index. They follow `hsds3::to_hsds_service`'s rules, and the tests check
// on every real listing that they equal the full documents with their arrays dropped.

/// The one-to-one fields of a listing's service: `one_to_one(to_hsds_service(listing))`.
fn service_list_doc(listing: &Listing) -> Value {
    let org = one_to_one(hsds3::to_hsds_organization(listing));
    let mut svc = Map::new();
    svc.insert("id".into(), json!(uuid_for("service", &listing.id)));
    svc.insert("organization_id".into(), org["id"].clone());
    svc.insert("name".into(), json!(listing.name));
    svc.insert("status".into(), json!(if listing.stale { "inactive" } else { "active" }));
    for (key, value) in [
        ("alternate_name", &listing.alt_name),
        ("description", &listing.description),
        ("url", &listing.website),
    ] {
        if let Some(v) = value {
            svc.insert(key.into(), json!(v));
        }
    }
    if let Some(d) = &listing.last_verified {
        svc.insert("assured_date".into(), json!(d));
        svc.insert("last_modified".into(), json!(format!("{d}T00:00:00Z")));
    }
    svc.insert("organization".into(), org);
    Value::Object(svc)
}

/// The one-to-one fields of a listing's service at location, with its location's and its
/// service's.
fn service_at_location_list_doc(listing: &Listing) -> Value {
    let location_id = uuid_for("location", &listing.id);
    let mut location = json!({
        "id": location_id,
        "location_type": "physical",
        "name": listing.name,
    });
    if let Some(p) = listing.location {
        location["latitude"] = json!(p.lat);
        location["longitude"] = json!(p.lon);
    }
    json!({
        "id": uuid_for("service_at_location", &listing.id),
        "service_id": uuid_for("service", &listing.id),
        "location_id": location_id,
        "location": location,
        "service": service_list_doc(listing),
    })
}

fn service_doc(listing: &Listing, detail: Detail) -> Value {
    match detail {
        Detail::Full => hsds3::to_hsds_service(listing),
        Detail::List => service_list_doc(listing),
        Detail::Minimal => {
            let mut m = Map::new();
            m.insert("id".into(), json!(uuid_for("service", &listing.id)));
            if let Some(d) = &listing.last_verified {
                m.insert("last_modified".into(), json!(format!("{d}T00:00:00Z")));
            }
            Value::Object(m)
        }
    }
}

/// The organization; fully nested, it holds its locations and its services (one-to-one, or full
/// with `full_service`).
fn organization_doc(listing: &Listing, detail: Detail, full_service: bool) -> Value {
    match detail {
        Detail::Minimal => json!({"id": uuid_for("organization", &listing.id)}),
        Detail::List => one_to_one(hsds3::to_hsds_organization(listing)),
        Detail::Full => {
            let mut org = hsds3::to_hsds_organization(listing);
            let svc = hsds3::to_hsds_service(listing);
            let locations: Vec<Value> = svc["service_at_locations"]
                .as_array()
                .map(|sals| sals.iter().filter_map(|s| s.get("location").cloned()).collect())
                .unwrap_or_default();
            org["locations"] = json!(locations);
            org["services"] = json!([if full_service { svc } else { one_to_one(svc) }]);
            org
        }
    }
}

/// The service at location, with its location (and schedules when full) and its service's
/// one-to-one fields.
fn service_at_location_doc(listing: &Listing, detail: Detail) -> Value {
    match detail {
        Detail::Minimal => json!({"id": uuid_for("service_at_location", &listing.id)}),
        Detail::List => service_at_location_list_doc(listing),
        Detail::Full => {
            let svc = hsds3::to_hsds_service(listing);
            let mut sal = svc["service_at_locations"]
                .get(0)
                .cloned()
                .unwrap_or_else(|| json!({"id": uuid_for("service_at_location", &listing.id)}));
            sal["service"] = one_to_one(svc);
            sal
        }
    }
}

fn doc(entity: Entity, listing: &Listing, detail: Detail, q: &ListQuery) -> Value {
    match entity {
        Entity::Service => service_doc(listing, detail),
        Entity::Organization => organization_doc(listing, detail, q.full_service),
        Entity::ServiceAtLocation => service_at_location_doc(listing, detail),
    }
}

// ---------------------------------------------------------------------------------------------
// The taxonomy.

/// One term of the `iop-finder` taxonomy.
#[derive(Debug)]
struct Term {
    code: String,
    name: String,
    /// The filter the term stands for, for `<group>:<value>` terms.
    filter: Option<(Group, String)>,
}

impl Term {
    fn id(&self) -> String {
        uuid_for("term", &self.code)
    }

    fn doc(&self) -> Value {
        json!({
            "id": self.id(),
            "code": self.code,
            "name": self.name,
            "description": self.name,
            "taxonomy": TAXONOMY,
            "taxonomy_id": taxonomy_id(),
            "taxonomy_detail": taxonomy_doc(),
        })
    }
}

fn taxonomy_id() -> String {
    uuid_for("taxonomy", TAXONOMY)
}

fn is_our_taxonomy(id: &str) -> bool {
    id == TAXONOMY || id.eq_ignore_ascii_case(&taxonomy_id())
}

/// The taxonomy as the exporter writes it in every attribute (taken from there, so the two
/// cannot drift apart).
fn taxonomy_doc() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let probe = Listing { id: "probe-0000000000000000".into(), ..Listing::default() };
        let svc = hsds3::to_hsds_service(&probe);
        svc["attributes"]
            .as_array()
            .and_then(|a| a.first())
            .map(|a| a["taxonomy_term"]["taxonomy_detail"].clone())
            .filter(Value::is_object)
            .unwrap_or_else(
                || json!({"id": taxonomy_id(), "name": TAXONOMY, "description": TAXONOMY}),
            )
    })
}

/// Every term the exporter can write (see `crates/hsds/PROFILE.md`), in a fixed order, with the
/// names it gives them.
fn terms() -> &'static [Term] {
    static TERMS: OnceLock<Vec<Term>> = OnceLock::new();
    TERMS.get_or_init(|| {
        let vocab = Vocabulary::get();
        let plain = |code: String, name: String| Term { code, name, filter: None };
        let mut out = vec![plain("listing_id".into(), "IOP Finder listing id".into())];
        for g in Group::ALL {
            for v in vocab.values(g) {
                out.push(Term {
                    code: format!("{g}:{}", v.value),
                    name: v.en.clone(),
                    filter: Some((g, v.value.clone())),
                });
            }
            if g == Group::Schedule {
                out.push(plain("unknown:schedule".into(), "Schedule: not known".into()));
            } else {
                let label = g.label(Lang::En);
                out.push(plain(format!("complete:{g}"), format!("{label}: complete list")));
                out.push(plain(format!("unknown:{g}"), format!("{label}: not known")));
            }
        }
        out.push(plain("hours_per_week".into(), "Hours per week".into()));
        out.push(plain("duration_weeks".into(), "Duration in weeks".into()));
        for s in iop_core::states::STATES {
            out.push(plain(
                format!("virtual_state:{}", s.code),
                format!("Serves {} virtually", s.code),
            ));
        }
        out.push(plain("accepting_new_clients".into(), "Accepting new clients".into()));
        out
    })
}

/// A term by code (`level:iop`, case-insensitive) or id.
fn find_term(key: &str) -> Option<&'static Term> {
    static BY_KEY: OnceLock<HashMap<String, usize>> = OnceLock::new();
    let map = BY_KEY.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, t) in terms().iter().enumerate() {
            m.insert(t.code.to_lowercase(), i);
            m.insert(t.id(), i);
        }
        m
    });
    if key.len() > MAX_ID_CHARS {
        return None;
    }
    map.get(&key.to_lowercase()).map(|&i| &terms()[i])
}

// ---------------------------------------------------------------------------------------------
// Finding listings.

/// A read through every match of a request, one page of the index at a time: what the
/// whole-index reads share (`format=ndjson`, `modified_after`, `organization_id`, the
/// [`Catalog`]). [`Scan::next_page`] gives the next page, so a reader can stop, or hand the scan
/// to another thread, between pages.
///
/// The index answers pages of at most [`SCAN_PAGE`], and a deep page costs it as much as all
/// the pages before it, so reading 20,000 matches page by page would cost it hundreds of full
/// searches. When no area is asked, the matches are therefore read state by state (each a
/// short run of pages over that state's listings alone), in the order of
/// [`iop_core::states::STATES`] and, within a state, in the request's order. That needs the
/// states to split the matches exactly: it is checked by counting (listings without a state
/// would be missed, and a virtual-schedule filter can match a listing in several states), and
/// otherwise the matches are read in the request's order, page by page.
#[derive(Debug)]
struct Scan {
    /// A page already read, given before the parts.
    pending: Option<Vec<Listing>>,
    /// The requests still to read, in order: the states, or the request itself.
    parts: VecDeque<ScanPart>,
}

/// One request of a [`Scan`], read page by page.
#[derive(Debug)]
struct ScanPart {
    /// The request, at the page to read next.
    req: SearchRequest,
    /// Its number of matches when counted (a state's), which the read must find again.
    expected: Option<u64>,
    /// Matches read so far.
    seen: u64,
    /// Whether its last page has been read.
    done: bool,
}

impl ScanPart {
    fn new(req: SearchRequest, expected: Option<u64>) -> ScanPart {
        ScanPart { req, expected, seen: 0, done: false }
    }

    /// Takes `found` (the answer to `req`) and moves on to the next page, if there is one.
    fn take(&mut self, found: SearchResults) -> Vec<Listing> {
        let n = found.hits.len();
        self.seen += n as u64;
        if n < self.req.per_page || (self.req.page * self.req.per_page) as u64 >= found.total {
            self.done = true;
        } else {
            self.req.page += 1;
        }
        found.hits.into_iter().map(|h| h.listing).collect()
    }
}

impl Scan {
    /// A scan of one listing (or of none).
    fn one(listing: Option<Listing>) -> Scan {
        Scan { pending: listing.map(|l| vec![l]), parts: VecDeque::new() }
    }

    /// A scan of every match of `req`. More than `cap` matches is an error naming `param`,
    /// found from the first page, before anything else is read.
    fn start(
        index: &Index,
        req: &SearchRequest,
        cap: usize,
        param: &'static str,
    ) -> Result<Scan, HsdsError> {
        let mut r = req.clone();
        r.per_page = SCAN_PAGE;
        r.page = 1;
        let first = index.search(&r)?;
        let total = first.total;
        if total > cap as u64 {
            return Err(bad(
                param,
                format!(
                    "{param}: {total} services match, more than the {cap} this can read at \
                     once; narrow the request with search, postcode or taxonomy_term_id"
                ),
            ));
        }
        if total > SCAN_PAGE as u64
            && let Some(parts) = state_parts(index, req, total)?
        {
            let parts = parts.into_iter().map(|(r, n)| ScanPart::new(r, Some(n))).collect();
            return Ok(Scan { pending: None, parts });
        }
        let mut part = ScanPart::new(r, None);
        let pending = part.take(first);
        Ok(Scan { pending: Some(pending), parts: VecDeque::from([part]) })
    }

    /// The next page of matches (at most [`SCAN_PAGE`], possibly empty), or `None` at the end.
    fn next_page(&mut self, index: &Index) -> Result<Option<Vec<Listing>>, HsdsError> {
        if let Some(page) = self.pending.take() {
            return Ok(Some(page));
        }
        while let Some(part) = self.parts.front_mut() {
            if !part.done {
                let found = index.search(&part.req)?;
                return Ok(Some(part.take(found)));
            }
            if let Some(n) = part.expected
                && part.seen != n
            {
                // The index changed under us: it cannot (a generation is immutable), so this
                // is a bug, not a client error.
                return Err(AppError::Internal(format!(
                    "a state held {n} matches when counted and {} when read",
                    part.seen
                ))
                .into());
            }
            self.parts.pop_front();
        }
        Ok(None)
    }
}

/// Visits every match of `req` (see [`Scan`]). More than `cap` matches is an error naming
/// `param`, found from the first page, before anything is visited.
fn scan(
    index: &Index,
    req: &SearchRequest,
    cap: usize,
    param: &'static str,
    visit: &mut dyn FnMut(Listing) -> Result<(), HsdsError>,
) -> Result<(), HsdsError> {
    let mut scan = Scan::start(index, req, cap, param)?;
    while let Some(page) = scan.next_page(index)? {
        for l in page {
            visit(l)?;
        }
    }
    Ok(())
}

/// The request split by state, with each part's number of matches, when the parts add up to
/// exactly `total`.
fn state_parts(
    index: &Index,
    req: &SearchRequest,
    total: u64,
) -> Result<Option<Vec<(SearchRequest, u64)>>, HsdsError> {
    let virtual_filter =
        req.filters.get(&Group::Schedule).is_some_and(|v| v.iter().any(|x| x == "virtual"));
    if req.area.is_some() || virtual_filter {
        return Ok(None);
    }
    let mut parts = Vec::new();
    let mut sum = 0;
    for st in iop_core::states::STATES {
        let mut part = req.clone();
        part.area = Some(Area::State(st.code.to_owned()));
        part.page = 1;
        part.per_page = 1;
        let n = index.search(&part)?.total;
        if n > 0 {
            sum += n;
            part.per_page = SCAN_PAGE;
            parts.push((part, n));
        }
    }
    Ok((sum == total).then_some(parts))
}

/// The UUIDs of one index generation's services, organizations and services at locations,
/// with the listing each stands for: HSDS clients follow the `id`s of the documents, which are
/// hashes of our ids and cannot be turned back without this table.
#[derive(Debug)]
pub struct Catalog {
    ids: Vec<String>,
    by_uuid: HashMap<(u8, u128), u32>,
    /// Terms the listings carry beyond [`terms`]: values outside the vocabulary (a language
    /// such as `language:yi`), which the exporter writes as they are.
    extra_terms: Vec<Term>,
}

fn uuid_bits(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

impl Catalog {
    fn build(index: &Index) -> Result<Catalog, HsdsError> {
        let mut ids = Vec::new();
        let mut extra: BTreeMap<String, Term> = BTreeMap::new();
        let vocab = Vocabulary::get();
        scan(index, &SearchRequest::default(), usize::MAX, "id", &mut |l| {
            for g in Group::ALL.into_iter().filter(|g| *g != Group::Schedule) {
                for v in l.attr(g).into_iter().flat_map(|a| a.values()) {
                    if !vocab.contains(g, v) && !extra.contains_key(&format!("{g}:{v}")) {
                        let code = format!("{g}:{v}");
                        let name = vocab.label(g, v, Lang::En).to_owned();
                        extra.insert(code.clone(), Term { code, name, filter: None });
                    }
                }
            }
            for st in &l.virtual_states {
                let code = format!("virtual_state:{st}");
                if find_term(&code).is_none() {
                    let name = format!("Serves {st} virtually");
                    extra.entry(code.clone()).or_insert(Term { code, name, filter: None });
                }
            }
            ids.push(l.id);
            Ok(())
        })?;
        let mut by_uuid = HashMap::with_capacity(ids.len() * Entity::ALL.len());
        for (i, id) in ids.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion listings");
            for (k, e) in Entity::ALL.iter().enumerate() {
                if let Some(u) = uuid_bits(&uuid_for(e.uuid_kind(), id)) {
                    by_uuid.insert((k as u8, u), i);
                }
            }
        }
        Ok(Catalog { ids, by_uuid, extra_terms: extra.into_values().collect() })
    }

    /// One of [`Catalog::extra_terms`] by code or id.
    fn extra_term(&self, key: &str) -> Option<&Term> {
        let key = key.to_lowercase();
        self.extra_terms.iter().find(|t| t.code.to_lowercase() == key || t.id() == key)
    }

    fn listing_id(&self, entity: Entity, uuid: &str) -> Option<&str> {
        let k = Entity::ALL.iter().position(|e| *e == entity)? as u8;
        let i = *self.by_uuid.get(&(k, uuid_bits(uuid)?))?;
        self.ids.get(i as usize).map(String::as_str)
    }

    /// The catalog of `index`, built on first use and kept while the generation is served.
    fn of(index: &Arc<Index>) -> Result<Arc<Catalog>, HsdsError> {
        type Slot = Arc<Mutex<Option<Arc<Catalog>>>>;
        // Keyed by the generation itself: the `Weak` keeps its allocation, so no other index
        // can take its address while the entry lives; dead generations are dropped here.
        static SLOTS: Mutex<Vec<(Weak<Index>, Slot)>> = Mutex::new(Vec::new());
        let slot = {
            let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
            slots.retain(|(w, _)| w.strong_count() > 0);
            match slots.iter().find(|(w, _)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(index))) {
                Some((_, s)) => Arc::clone(s),
                None => {
                    let s: Slot = Arc::default();
                    slots.push((Arc::downgrade(index), Arc::clone(&s)));
                    s
                }
            }
        };
        // Requests for the same generation wait for one build rather than each making one.
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = &*guard {
            return Ok(Arc::clone(c));
        }
        let c = Arc::new(Catalog::build(index)?);
        *guard = Some(Arc::clone(&c));
        Ok(c)
    }
}

/// The listing behind `{id}` of `entity`: our listing id, or the entity's UUID.
fn find(index: &Arc<Index>, entity: Entity, id: &str) -> Result<Option<Listing>, HsdsError> {
    if id.len() > MAX_ID_CHARS {
        return Ok(None);
    }
    if iop_core::id::is_well_formed(id) {
        return Ok(index.get(id)?);
    }
    if uuid_bits(id).is_none() {
        return Ok(None);
    }
    let catalog = Catalog::of(index)?;
    match catalog.listing_id(entity, id) {
        Some(listing_id) => Ok(index.get(listing_id)?),
        None => Ok(None),
    }
}

/// Whether a listing passes the filters the index cannot apply.
fn post_filter(q: &ListQuery, org_listing: Option<&str>, l: &Listing) -> bool {
    q.modified_after.is_none_or(|t| modified_at(l).is_some_and(|m| m >= t))
        && org_listing.is_none_or(|id| l.id == id)
}

/// What a list request reads: the index request (`None` when nothing can match) and the
/// listing `organization_id` names.
fn what_to_read(
    index: &Arc<Index>,
    geocoder: &Geocoder,
    q: &ListQuery,
) -> Result<(Option<SearchRequest>, Option<String>), HsdsError> {
    let req = q.request(geocoder)?;
    // `organization_id` names one listing; an id that names none leaves nothing to match.
    match &q.organization_id {
        None => Ok((req, None)),
        Some(id) => match find(index, Entity::Organization, id)? {
            Some(l) => Ok((req, Some(l.id))),
            None => Ok((None, None)),
        },
    }
}

/// A `format=json` list answer, computed off the async runtime.
fn list_blocking(
    index: &Arc<Index>,
    geocoder: &Geocoder,
    q: &ListQuery,
    entity: Entity,
    deadline: Instant,
) -> Result<Response, HsdsError> {
    let detail = q.detail();
    let (req, org_listing) = what_to_read(index, geocoder, q)?;
    let org_listing = org_listing.as_deref();
    let Some(req) = req else {
        return Ok(Json(hsds3::page(Vec::new(), 0, q.page, q.per_page)).into_response());
    };
    if q.modified_after.is_none() && org_listing.is_none() {
        let mut r = req;
        r.page = q.page;
        r.per_page = q.per_page;
        let found = index.search(&r)?;
        let contents = found.hits.iter().map(|h| doc(entity, &h.listing, detail, q)).collect();
        let total = usize::try_from(found.total).unwrap_or(usize::MAX);
        return Ok(Json(hsds3::page(contents, total, q.page, q.per_page)).into_response());
    }

    // The index cannot filter these: read the matches through, keeping the page asked for.
    let (start, end) = ((q.page - 1) * q.per_page, q.page * q.per_page);
    let mut contents = Vec::new();
    let mut kept = 0usize;
    let param = if q.modified_after.is_some() { "modified_after" } else { "organization_id" };
    let mut scan = matches(index, &req, org_listing, MAX_SCAN, param)?;
    while let Some(page) = scan.next_page(index)? {
        // Past the deadline the client has had its 503: stop rather than work for nobody.
        if Instant::now() > deadline {
            return Err(HsdsError::App(AppError::Timeout));
        }
        for l in page.iter().filter(|l| post_filter(q, org_listing, l)) {
            if (start..end).contains(&kept) {
                contents.push(doc(entity, l, detail, q));
            }
            kept += 1;
        }
    }
    Ok(Json(hsds3::page(contents, kept, q.page, q.per_page)).into_response())
}

/// The scan of a list request's candidates, to be passed through [`post_filter`]: the
/// organization's one listing when nothing else narrows the search (no need to read the index
/// through), else every match of `req`. More than `cap` matches is an error naming `param`.
fn matches(
    index: &Index,
    req: &SearchRequest,
    org_listing: Option<&str>,
    cap: usize,
    param: &'static str,
) -> Result<Scan, HsdsError> {
    let plain = req.area.is_none() && req.text.is_none() && req.filters.is_empty();
    match org_listing {
        Some(id) if plain => Ok(Scan::one(index.get(id)?)),
        _ => Scan::start(index, req, cap, param),
    }
}

fn ndjson(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))], body)
        .into_response()
}

/// A `format=ndjson` answer: every match, streamed one page of the index at a time.
///
/// Everything that can fail because of the request (parameters, an unknown ZIP code or
/// organization) fails in [`Export::start`], before the first byte, and so keeps its status
/// code. Then the body is a stream ([`Export::into_response`]) whose every chunk is one page of
/// matches ([`SCAN_PAGE`]) as lines, made on the blocking pool when the connection is ready
/// for more: memory stays at one page per export whatever the number of matches (no more than
/// a `format=json` page of 100 full services), so the whole directory can be exported, fully
/// nested. The stream holds the index generation it started with, so a reload in the middle
/// changes nothing in it.
#[derive(Debug)]
struct Export {
    index: Arc<Index>,
    q: ListQuery,
    entity: Entity,
    org_listing: Option<String>,
    scan: Scan,
    /// Lines sent so far (for the log, should the export be cut short).
    lines: u64,
}

impl Export {
    /// Checks the request and reads the first page of matches.
    fn start(
        index: Arc<Index>,
        geocoder: &Geocoder,
        q: ListQuery,
        entity: Entity,
    ) -> Result<Export, HsdsError> {
        let (req, org_listing) = what_to_read(&index, geocoder, &q)?;
        let scan = match &req {
            None => Scan::one(None),
            // No cap: the export is streamed, not held.
            Some(req) => matches(&index, req, org_listing.as_deref(), usize::MAX, "format")?,
        };
        Ok(Export { index, q, entity, org_listing, scan, lines: 0 })
    }

    /// The lines of the next page of matches (empty when [`post_filter`] keeps none of them),
    /// or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, HsdsError> {
        let Some(page) = self.scan.next_page(&self.index)? else { return Ok(None) };
        let detail = self.q.detail();
        let mut out = Vec::new();
        for l in page.iter().filter(|l| post_filter(&self.q, self.org_listing.as_deref(), l)) {
            // Writing JSON to a Vec cannot fail.
            serde_json::to_writer(&mut out, &doc(self.entity, l, detail, &self.q))
                .expect("a JSON value serialises");
            out.push(b'\n');
            self.lines += 1;
        }
        Ok(Some(out))
    }

    /// The streamed response: `application/x-ndjson`, one document per line.
    fn into_response(self) -> Response {
        let lines = futures_util::stream::unfold(Some(self), next_lines);
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))],
            Body::from_stream(lines),
        )
            .into_response()
    }
}

/// One step of an export's stream: its next non-empty chunk, made on the blocking pool (a
/// search and up to a page of documents is CPU work), at most [`MAX_NDJSON_AT_ONCE`] chunks
/// of all exports at a time.
///
/// An error after the first byte cannot become a status code any more (the 200 is sent). It
/// is logged, without the request's text (the route's entity, the lines sent, and for a server
/// fault its own message), and the stream ends with an error, which makes the server abort the
/// response (HTTP/1.1: the connection closes without the last chunk; HTTP/2: the stream is
/// reset). A client therefore sees a failed transfer, never a short export that looks
/// complete. A client that goes away drops the stream, and the export stops after the page
/// being made.
async fn next_lines(
    export: Option<Export>,
) -> Option<(Result<Vec<u8>, std::io::Error>, Option<Export>)> {
    let mut export = export?;
    loop {
        let entity = export.entity;
        let lines = export.lines;
        let made = match ndjson_gate().acquire().await {
            Ok(permit) => {
                let made = tokio::task::spawn_blocking(move || {
                    let chunk = export.next_chunk();
                    (export, chunk)
                })
                .await;
                drop(permit);
                made.map_err(HsdsError::from)
            }
            Err(e) => Err(AppError::Internal(format!("ndjson gate: {e}")).into()),
        };
        let error = match made {
            Ok((e, Ok(Some(chunk)))) if chunk.is_empty() => {
                export = e;
                continue;
            }
            Ok((e, Ok(Some(chunk)))) => return Some((Ok(chunk), Some(e))),
            Ok((_, Ok(None))) => return None,
            Ok((_, Err(error))) | Err(error) => error,
        };
        match &error {
            HsdsError::App(AppError::Internal(detail)) => tracing::error!(
                entity = entity.uuid_kind(),
                lines,
                error = %detail,
                "ndjson export cut short by a server error"
            ),
            // Nothing else can fail once the export has started; were it a client error, its
            // message could hold the request's text, so only its kind is logged.
            _ => tracing::error!(
                entity = entity.uuid_kind(),
                lines,
                "ndjson export cut short by an unexpected error"
            ),
        }
        let cut = std::io::Error::other("the ndjson export was cut short by a server error");
        return Some((Err(cut), None));
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

async fn list(state: AppState, raw: Option<String>, entity: Entity) -> Result<Response, HsdsError> {
    let deadline = Instant::now() + crate::REQUEST_TIMEOUT;
    let q = ListQuery::parse(raw.as_deref())?;
    let index = state.index.current();
    let geocoder = Arc::clone(&state.geocoder);
    match q.format {
        Format::Json => {
            tokio::task::spawn_blocking(move || {
                list_blocking(&index, &geocoder, &q, entity, deadline)
            })
            .await?
        }
        Format::Ndjson => {
            let export =
                tokio::task::spawn_blocking(move || Export::start(index, &geocoder, q, entity))
                    .await??;
            Ok(export.into_response())
        }
    }
}

/// The permits to make `ndjson` chunks ([`MAX_NDJSON_AT_ONCE`]), taken for one chunk at a time:
/// exports take turns, page by page, and leave the rest of the blocking pool to searches.
fn ndjson_gate() -> &'static tokio::sync::Semaphore {
    static GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_NDJSON_AT_ONCE);
    &GATE
}

async fn one(state: AppState, id: String, entity: Entity) -> Result<Response, HsdsError> {
    let index = state.index.current();
    let listing = tokio::task::spawn_blocking(move || find(&index, entity, &id))
        .await??
        .ok_or(AppError::NotFound)?;
    let q = ListQuery { full_service: true, ..ListQuery::default() };
    Ok(Json(doc(entity, &listing, Detail::Full, &q)).into_response())
}

/// `/hsds/services`: a page of services (or every one, with `format=ndjson`).
pub async fn services(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    respond(list(state, raw, Entity::Service).await)
}

/// `/hsds/services/{id}`: one fully nested service.
pub async fn service(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    respond(one(state, id, Entity::Service).await)
}

/// `/hsds/organizations`: a page of organizations, one per listing.
pub async fn organizations(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    respond(list(state, raw, Entity::Organization).await)
}

/// `/hsds/organizations/{id}`: one organization with its locations and its (full) service.
pub async fn organization(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    respond(one(state, id, Entity::Organization).await)
}

/// `/hsds/service_at_locations`: a page of services at locations, one per listing.
pub async fn service_at_locations(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(list(state, raw, Entity::ServiceAtLocation).await)
}

/// `/hsds/service_at_locations/{id}`: one service at location, with schedules and location.
pub async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    respond(one(state, id, Entity::ServiceAtLocation).await)
}

fn taxonomy_list_doc() -> Value {
    let mut t = taxonomy_doc().clone();
    if let Value::Object(m) = &mut t {
        m.retain(|_, v| !v.is_array());
    }
    t
}

/// `/hsds/taxonomies`: the one taxonomy our attributes use.
pub async fn taxonomies(RawQuery(raw): RawQuery) -> Response {
    let answer = || -> Result<Response, HsdsError> {
        let q = ListQuery::parse(raw.as_deref())?;
        let all = vec![taxonomy_list_doc()];
        Ok(paged_or_lines(all, &q))
    };
    respond(answer())
}

/// `/hsds/taxonomies/{id}`: `iop-finder`, by UUID or name.
pub async fn taxonomy(Path(id): Path<String>) -> Response {
    if is_our_taxonomy(&id) {
        Json(taxonomy_list_doc()).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

/// The catalog of the index being served, off the async runtime.
async fn current_catalog(state: &AppState) -> Result<Arc<Catalog>, HsdsError> {
    let index = state.index.current();
    tokio::task::spawn_blocking(move || Catalog::of(&index)).await?
}

/// `/hsds/taxonomy_terms`: the terms of `iop-finder` (every term the exporter can write, and
/// the values outside the vocabulary that the listings served carry); `search` matches codes
/// and names.
pub async fn taxonomy_terms(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let answer = async {
        let q = ListQuery::parse(raw.as_deref())?;
        let needle = q.search.as_deref().map(str::to_lowercase);
        let all: Vec<Value> = if q.foreign_taxonomy || q.parent_id.is_some() {
            // No term of ours has a parent.
            Vec::new()
        } else {
            let catalog = current_catalog(&state).await?;
            terms()
                .iter()
                .chain(&catalog.extra_terms)
                .filter(|t| {
                    needle.as_deref().is_none_or(|n| {
                        t.code.to_lowercase().contains(n) || t.name.to_lowercase().contains(n)
                    })
                })
                .map(Term::doc)
                .collect()
        };
        Ok(paged_or_lines(all, &q))
    };
    respond(answer.await)
}

/// `/hsds/taxonomy_terms/{id}`: one term, by UUID or code.
pub async fn taxonomy_term(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if let Some(t) = find_term(&id) {
        return Json(t.doc()).into_response();
    }
    if id.len() > MAX_ID_CHARS {
        return AppError::NotFound.into_response();
    }
    let answer = async {
        let catalog = current_catalog(&state).await?;
        let term = catalog.extra_term(&id).ok_or(AppError::NotFound)?;
        Ok(Json(term.doc()).into_response())
    };
    respond(answer.await)
}

/// A small in-memory list as a page or as lines.
fn paged_or_lines(all: Vec<Value>, q: &ListQuery) -> Response {
    match q.format {
        Format::Ndjson => {
            let mut body = Vec::new();
            for v in &all {
                serde_json::to_writer(&mut body, v).expect("a JSON value serialises");
                body.push(b'\n');
            }
            ndjson(body)
        }
        Format::Json => {
            let total = all.len();
            let start = (q.page - 1).saturating_mul(q.per_page);
            let contents: Vec<Value> = all.into_iter().skip(start).take(q.per_page).collect();
            Json(hsds3::page(contents, total, q.page, q.per_page)).into_response()
        }
    }
}

async fn not_found() -> Response {
    AppError::NotFound.into_response()
}

/// The absolute base URL of this server as the client reached it (`http://host`), from the
/// `Host` header, when that looks like a host name; HSDS wants absolute URIs in `/`.
fn base_url(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let ok = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !ok {
        return None;
    }
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    Some(format!("{}://{host}", if https { "https" } else { "http" }))
}

/// `/hsds/`: the HSDS version, the profile and the OpenAPI document of this API.
pub async fn root(headers: HeaderMap) -> Response {
    let base = base_url(&headers).unwrap_or_default();
    Json(json!({
        "version": HSDS_VERSION,
        "profile": format!("{base}/hsds/profile"),
        "openapi_url": format!("{base}/hsds/openapi.json"),
    }))
    .into_response()
}

/// `/hsds/profile`: our HSDS profile (`crates/hsds/PROFILE.md`).
pub async fn profile() -> Response {
    const PROFILE: &str = include_str!("../../hsds/PROFILE.md");
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/markdown; charset=utf-8"))], PROFILE)
        .into_response()
}

/// `/hsds/openapi.json`.
pub async fn openapi() -> Response {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BODY.get_or_init(|| {
        serde_json::to_vec_pretty(&openapi_document()).expect("the document serialises")
    });
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.as_slice())
        .into_response()
}

/// Where the published HSDS 3.0 schemas live (the documents' `$ref`s).
const SCHEMAS: &str = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema";

/// A query parameter of the OpenAPI document.
fn query_param(name: &str, description: String, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": schema,
    })
}

/// The parameters of the list routes, with our semantics (see the module documentation).
fn openapi_parameters() -> Value {
    let string = || json!({"type": "string"});
    let boolean = || json!({"type": "boolean"});
    let mut examples = String::new();
    for t in terms().iter().filter(|t| t.filter.is_some()).step_by(9).take(4) {
        let _ = write!(examples, "`{}`, ", t.code);
    }
    let params = [
        query_param(
            "search",
            format!(
                "Free text: every word must match (typo-tolerant, with synonyms). At most \
                 {MAX_SEARCH_CHARS} characters."
            ),
            string(),
        ),
        query_param(
            "postcode",
            format!(
                "A US ZIP code (`33012` or `33012-1234`): services within `proximity` metres of \
                 its centre, nearest first. Without `proximity`, within {DEFAULT_PROXIMITY_M} m \
                 (25 miles), plus, with `taxonomy_term_id=schedule:virtual`, the virtual \
                 programs serving its state. A ZIP code we do not know is a 422 \
                 `unknown_location`."
            ),
            string(),
        ),
        query_param(
            "proximity",
            format!(
                "Metres from the centre of `postcode`, 1 to {MAX_PROXIMITY_M}. Needs `postcode`."
            ),
            json!({"type": "number", "minimum": 1, "maximum": MAX_PROXIMITY_M}),
        ),
        query_param(
            "taxonomy_term_id",
            format!(
                "Comma-separated terms of the `{TAXONOMY}` taxonomy, by code ({examples}...) or \
                 by id (see /hsds/taxonomy_terms); repeating the parameter adds terms. Only \
                 `<group>:<value>` terms filter: OR within a group, AND across groups, and a \
                 service matches only when its record says the value holds."
            ),
            string(),
        ),
        query_param(
            "taxonomy_id",
            format!(
                "`{}` (or `{TAXONOMY}`) changes nothing: every service has terms in it. Any \
                 other taxonomy matches nothing.",
                taxonomy_id()
            ),
            string(),
        ),
        query_param(
            "organization_id",
            "The one service of this organization (its id, or our listing id).".into(),
            string(),
        ),
        query_param(
            "modified_after",
            format!(
                "`YYYY-MM-DD` or an RFC 3339 date-time (no zone: UTC): services whose \
                 `last_modified` is on or after it; services with no date are left out. With \
                 `format=json`, at most {MAX_SCAN} matches of the other parameters are read, \
                 state by state when no `postcode` is given (the order of the results then \
                 follows)."
            ),
            json!({"type": "string", "format": "date-time"}),
        ),
        query_param(
            "page",
            format!("1-based page, at most {MAX_PAGE}. Past the last page, an empty page."),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        ),
        query_param(
            "per_page",
            format!("Items per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})."),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
        ),
        query_param(
            "format",
            "`json` (default: a page) or `ndjson`: every match, one document per line, not \
             paged, streamed as it is read (the whole directory can be exported, fully nested). \
             A transfer cut short by a server error ends without its last chunk: it failed, it \
             is not a shorter export."
                .into(),
            json!({"type": "string", "enum": ["json", "ndjson"]}),
        ),
        query_param(
            "full",
            "`true`: fully nested documents. Default: the one-to-one fields only with \
             `format=json`, fully nested with `format=ndjson`."
                .into(),
            boolean(),
        ),
        query_param("minimal", "`true`: just `id` and `last_modified`.".into(), boolean()),
        query_param(
            "full_service",
            "`true`: organizations nest their full service.".into(),
            boolean(),
        ),
    ];
    Value::Object(
        params.into_iter().map(|p| (p["name"].as_str().unwrap_or("").to_owned(), p)).collect(),
    )
}

/// An operation of the OpenAPI document.
fn operation(id: &str, summary: &str, params: &[&str], responses: Value) -> Value {
    let params: Vec<Value> =
        params.iter().map(|n| json!({"$ref": format!("#/components/parameters/{n}")})).collect();
    json!({"get": {
        "operationId": id,
        "summary": summary,
        "parameters": params,
        "responses": responses,
    }})
}

/// An `{id}` operation of the OpenAPI document, answering `schema`.
fn operation_by_id(id: &str, summary: &str, what: &str, schema: &str) -> Value {
    let mut op = operation(
        id,
        summary,
        &[],
        json!({
            "200": {"description": "The document", "content": {"application/json": {
                "schema": {"$ref": format!("{SCHEMAS}/{schema}")}}}},
            "404": {"description": "No such id (`not_found`)", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}},
        }),
    );
    op["parameters"] = json!([{
        "name": "id",
        "in": "path",
        "required": true,
        "description": format!("The {what}'s id (a UUID of our documents), or our listing id"),
        "schema": {"type": "string"},
    }]);
    op
}

/// The answers of a list route whose items are `schema`.
fn list_responses(schema: &str) -> Value {
    let item = json!({"$ref": format!("{SCHEMAS}/{schema}")});
    let error = json!({
        "description": "A bad parameter (400 `bad_parameter`, naming it) or a ZIP code we do \
                        not know (422 `unknown_location`)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    });
    json!({
        "200": {
            "description": "A page, or with `format=ndjson` every match, one per line",
            "content": {
                "application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/Page"}],
                    "properties": {"contents": {"type": "array", "items": item}},
                }},
                "application/x-ndjson": {"schema": item},
            },
        },
        "400": error,
        "422": error,
    })
}

/// The OpenAPI 3.1 document of the HSDS routes, in the shape of the HSDS 3.0 reference
/// (`openapi.json` of the specification), with our parameter semantics.
pub fn openapi_document() -> Value {
    let with = |extra: &'static str| -> Vec<&'static str> {
        let mut v = LIST_PARAMS.to_vec();
        v.push(extra);
        v
    };
    let mut root = operation(
        "getAPIMetaInformation",
        "The HSDS version, the profile and this document",
        &[],
        json!({"200": {"description": "version, profile, openapi_url", "content": {
            "application/json": {"schema": {
                "type": "object",
                "required": ["version", "profile", "openapi_url"],
                "properties": {
                    "version": {"type": "string"},
                    "profile": {"type": "string", "format": "uri"},
                    "openapi_url": {"type": "string", "format": "uri"},
                },
            }},
        }}}),
    );
    root["get"]["parameters"] = json!([]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "IOP Finder: Open Referral HSDS 3.0 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Intensive outpatient programs and other addiction treatment as \
                Open Referral HSDS 3.0 services. A listing is one service of one organization \
                at one location. Our extras (levels of care, schedule facets, what is not known) \
                are attributes in the `iop-finder` taxonomy: see /hsds/profile. Parameter names \
                are case-sensitive, unknown parameters are ignored, an empty value is not given, \
                parameters combine with AND, and a bad value is a 400 naming the parameter.",
            "license": {"name": "The data's licenses are those of its sources (data/SOURCES.md)"},
        },
        "paths": {
            "/hsds/": root,
            "/hsds/services": operation(
                "getPaginatedListOfServices",
                "Services",
                &with("minimal"),
                list_responses("compiled/service_list.json"),
            ),
            "/hsds/services/{id}": operation_by_id(
                "getFullyNestedServiceById",
                "One fully nested service",
                "service",
                "compiled/service.json",
            ),
            "/hsds/organizations": operation(
                "getPaginatedListOfOrganizations",
                "Organizations, one per service",
                &with("full_service"),
                list_responses("compiled/organization_list.json"),
            ),
            "/hsds/organizations/{id}": operation_by_id(
                "getOrganizationById",
                "One organization with its location and its full service",
                "organization",
                "compiled/organization.json",
            ),
            "/hsds/service_at_locations": operation(
                "getPaginatedListOfServiceAtLocation",
                "Services at locations, one per service",
                &LIST_PARAMS,
                list_responses("compiled/service_at_location_list.json"),
            ),
            "/hsds/service_at_locations/{id}": operation_by_id(
                "getServiceAtLocationWithNestedDataById",
                "One service at location, with its schedules",
                "service at location",
                "compiled/service_at_location.json",
            ),
            "/hsds/taxonomies": operation(
                "getPaginatedListOfTaxonomies",
                "The iop-finder taxonomy",
                &["page", "per_page", "format"],
                list_responses("taxonomy.json"),
            ),
            "/hsds/taxonomies/{id}": operation_by_id(
                "getTaxonomyById",
                "The iop-finder taxonomy (by id or name)",
                "taxonomy",
                "taxonomy.json",
            ),
            "/hsds/taxonomy_terms": operation(
                "getPaginatedListOfTaxonomyTerms",
                "The terms of the iop-finder taxonomy; `search` matches codes and names",
                &["search", "taxonomy_id", "page", "per_page", "format"],
                list_responses("taxonomy_term.json"),
            ),
            "/hsds/taxonomy_terms/{id}": operation_by_id(
                "getTaxonomyTermById",
                "One term (by id or code)",
                "taxonomy term",
                "taxonomy_term.json",
            ),
        },
        "components": {
            "parameters": openapi_parameters(),
            "schemas": {
                "Page": {"type": "object", "properties": {
                    "total_items": {"type": "integer"},
                    "total_pages": {"type": "integer"},
                    "page_number": {"type": "integer"},
                    "size": {"type": "integer"},
                    "first_page": {"type": "boolean"},
                    "last_page": {"type": "boolean"},
                    "empty": {"type": "boolean"},
                }},
                "Error": {"type": "object", "properties": {"error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "param": {"type": "string"},
                        "message": {"type": "string"},
                    },
                }}},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("1970-01-01"), Some(0));
        assert_eq!(parse_instant("1970-01-02"), Some(86_400));
        assert_eq!(parse_instant("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_instant("2019-07-29T00:00:00Z"), Some(1_564_358_400));
        assert_eq!(parse_instant("2019-07-29T02:00:00+02:00"), Some(1_564_358_400));
        assert_eq!(parse_instant("2019-07-28T19:00-05:00"), Some(1_564_358_400));
        assert_eq!(parse_instant("2019-07-29T00:00:00"), Some(1_564_358_400));
        // A fraction rounds up: "on or after 00:00:00.5" is not met by 00:00:00.
        assert_eq!(parse_instant("2019-07-29T00:00:00.5Z"), Some(1_564_358_401));
        for bad in [
            "yesterday",
            "2019-02-29",
            "2020-13-01",
            "2019-7-29",
            "2019-07-29T25:00Z",
            "2019-07-29T10:00+5",
            "2019-07-29T",
            "20190729",
            "2019-07-29T10:00:00.Z",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
        assert!(parse_instant("2020-02-29").is_some(), "a leap day");
    }

    #[test]
    fn zips() {
        assert_eq!(parse_zip("33012").as_deref(), Some("33012"));
        assert_eq!(parse_zip("33012-1234").as_deref(), Some("33012"));
        for bad in ["abc", "3301", "330122", "33012-12", "3301a"] {
            assert_eq!(parse_zip(bad), None, "{bad}");
        }
    }

    #[test]
    fn uuids() {
        let u = uuid_for("service", "m211-32f5123dff5bf4ee");
        assert!(uuid_bits(&u).is_some());
        assert_eq!(uuid_bits(&u.to_uppercase()), uuid_bits(&u));
        assert_eq!(uuid_bits("m211-32f5123dff5bf4ee"), None);
        assert_eq!(uuid_bits("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"), None);
    }

    #[test]
    fn one_to_one_drops_lists_at_every_depth() {
        let v = one_to_one(json!({"a": 1, "b": [1], "c": {"d": [2], "e": "x"}}));
        assert_eq!(v, json!({"a": 1, "c": {"e": "x"}}));
    }

    #[test]
    fn terms_by_code_and_id() {
        let t = find_term("level:iop").expect("level:iop is a term");
        assert_eq!(t.filter, Some((Group::Level, "iop".to_owned())));
        assert_eq!(find_term(&t.id()).map(|x| &x.code), Some(&t.code));
        assert_eq!(find_term("LEVEL:IOP").map(|x| &x.code), Some(&t.code));
        assert!(find_term("complete:level").is_some_and(|t| t.filter.is_none()));
        assert!(find_term("level:nonsense").is_none());
    }

    #[test]
    fn query_rules() {
        let raw = "per_page=10&taxonomy_term_id=level:iop,level:op\
                   &taxonomy_term_id=schedule%3Aevening&search=+&other=%zz";
        let q = ListQuery::parse(Some(raw)).expect("valid");
        assert_eq!(q.per_page, 10);
        assert_eq!(q.search, None, "a blank value is not given");
        assert_eq!(q.filters.get(&Group::Level).map(Vec::len), Some(2));
        assert_eq!(q.filters.get(&Group::Schedule).map(Vec::len), Some(1));
        let param = |raw: &str| match ListQuery::parse(Some(raw)) {
            Err(HsdsError::BadParameter { param, .. }) => param,
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(param("page=2&page=3"), "page");
        assert_eq!(param("search=%ff"), "search");
        assert_eq!(param("proximity=500"), "proximity");
        assert_eq!(param("minimal=true&full=true"), "minimal");
        assert_eq!(param("taxonomy_term_id=complete:level"), "taxonomy_term_id");
    }
}
