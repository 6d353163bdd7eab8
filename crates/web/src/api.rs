//! The JSON API (`/api/v1/*`, `/api/openapi.json`).
//!
//! Handlers are thin: [`crate::params`] validates, [`AppState::search`] asks the index off the
//! async runtime, and the DTOs here shape the answer. A result is the listing's own JSON (defined
//! once, by the serialisation of [`iop_core::Listing`]) flattened together with `distance_mi` and
//! `matched`, so the API cannot drift from `iop ingest`'s JSON Lines.
//!
//! The OpenAPI document is generated from the handlers and DTOs with utoipa. The two shapes
//! utoipa cannot see (the listing, which lives in `iop-core`, and the filter vocabulary, which is
//! data) are filled in at start-up from the code itself: the listing's schema is derived from a
//! serialised example listing, and each filter parameter lists the vocabulary's values.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use iop_core::distance::m_to_miles;
use iop_core::search::{Hit, Matched, SearchResults, Sort};
use iop_core::vocabulary::{Group, Lang, Vocabulary};
use iop_core::{Listing, Schedule};
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value, json};
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::cache;
use crate::error::{AppError, ErrorBody};
use crate::params::{self, SearchParams};
use crate::{AppState, Searched};

/// The open CORS of both JSON APIs (this one and `/hsds`): any origin, GET only, since partner
/// sites call them from their own pages. One layer for both, so that they cannot drift apart.
pub(crate) fn open_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET])
        .allow_headers([header::ACCEPT, header::CONTENT_TYPE])
}

/// API routes, with open CORS (GET only): partner sites call the API from their own pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/search", get(search))
        .route("/api/v1/listings/{id}", get(listing))
        .route("/api/v1/vocabulary", get(vocabulary))
        .route("/api/openapi.json", get(openapi))
        .route("/api/{*rest}", any(not_found))
        .layer(open_cors())
}

/// The documented search parameters. Never deserialised: the query string goes through
/// [`params::parse_query`]. A test checks that this list, the parser's and API.md's agree.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// Where: a 5-digit ZIP (`22902`), `City, ST` (`Charlottesville, VA`), or `lat,lon`
    /// (`38.03,-78.48`). At most 100 characters. Not together with `state`. A place that cannot
    /// be found answers 422 `unknown_location` with suggestions where possible.
    #[param(example = "22902")]
    near: Option<String>,
    /// Radius in miles around `near`, from 1 to 500 (default 25; inclusive). Ignored without
    /// `near`.
    #[param(minimum = 1, maximum = 500, example = 25)]
    radius_mi: Option<f64>,
    /// Two-letter USPS code of a state, DC or territory: the whole state instead of a radius.
    #[param(example = "VA")]
    state: Option<String>,
    /// Free text over names, descriptions, services and conditions; typo-tolerant, with
    /// synonyms. Every word must match. At most 200 characters.
    #[param(example = "suboxone")]
    q: Option<String>,
    /// Level of care.
    level: Option<String>,
    /// Therapy or service approach.
    modality: Option<String>,
    /// Medication for addiction treatment.
    medication: Option<String>,
    /// Schedule. With `virtual`, virtual programs serving the searched state match whatever
    /// the distance.
    schedule: Option<String>,
    /// Payment accepted.
    payment: Option<String>,
    /// Population served.
    population: Option<String>,
    /// Language (ISO 639 code or `asl`).
    language: Option<String>,
    /// `true`: also return listings whose record does not say either way for a filtered group
    /// (named in `matched.unknown`). Default `false`. Accepts `true/false`, `1/0`, `on/off`,
    /// `yes/no`.
    include_unknown: Option<bool>,
    /// `distance` (default with `near`), `relevance` (default with `q` and no `near`) or `name`
    /// (default otherwise). Ties break by `id`.
    sort: Option<String>,
    /// 1-based page. `page * per_page` may be at most 10000.
    #[param(minimum = 1, example = 1)]
    page: Option<u64>,
    /// Results per page, from 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    per_page: Option<u64>,
    /// Comma-separated result fields to return (e.g. `id,name,distance_mi`); default all. An
    /// unknown field is a 400.
    #[param(example = "id,name,distance_mi")]
    fields: Option<String>,
    /// `en` or `es`: language of error messages.
    #[param(example = "es")]
    lang: Option<String>,
}

/// Where the search was centred.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearEcho {
    /// Latitude.
    #[schema(example = 38.03)]
    pub lat: f64,
    /// Longitude.
    #[schema(example = -78.48)]
    pub lon: f64,
    /// The place as understood.
    #[schema(example = "Charlottesville, VA 22902")]
    pub label: String,
}

/// The search as understood: what the results answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryEcho {
    /// The geocoded location, when `near` was given.
    pub near: Option<NearEcho>,
    /// Radius in miles, when `near` was given.
    pub radius_mi: Option<f64>,
    /// The state searched, when `state` was given.
    pub state: Option<String>,
    /// Filters per group.
    #[schema(value_type = BTreeMap<String, Vec<String>>, example = json!({"level": ["iop"]}))]
    pub filters: iop_core::listing::Filters,
    /// The text searched.
    pub q: Option<String>,
    /// Whether unknown-for-a-filter listings were included.
    pub include_unknown: bool,
    /// The order used (`distance`, `relevance` or `name`).
    #[schema(example = "distance")]
    pub sort: &'static str,
}

/// Placeholder for the result object's schema, generated from the listing's serialisation.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct SearchResult {}

/// Placeholder for the listing's schema, generated from its serialisation.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(as = Listing)]
pub struct ListingDoc {}

/// The answer to a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The search as understood.
    pub query: QueryEcho,
    /// Exact number of matches.
    pub total: u64,
    /// 1-based page.
    pub page: usize,
    /// Results per page.
    pub per_page: usize,
    /// This page of results.
    #[schema(value_type = Vec<SearchResult>)]
    pub results: Results,
    /// Per group, per vocabulary value (zeros included), plus `_unknown`: disjunctive counts.
    #[schema(value_type = BTreeMap<String, BTreeMap<String, u64>>,
             example = json!({"level": {"iop": 12, "php": 0, "op": 30, "_unknown": 200}}))]
    pub facets: Facets,
    /// Milliseconds the search took on the server.
    #[schema(example = 0.4)]
    pub took_ms: f64,
}

/// A page of results, serialised in full or restricted to `fields`.
#[derive(Debug)]
pub struct Results {
    items: Vec<ResultItem>,
    fields: Option<Vec<String>>,
}

/// One result: the listing's JSON plus `distance_mi` (whenever the query has a location) and
/// `matched`.
#[derive(Debug, Serialize)]
struct ResultItem {
    /// Written in its wire form, borrowed (see `iop_core::listing`).
    #[serde(flatten)]
    listing: Listing,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_mi: Option<Option<f64>>,
    matched: Matched,
}

impl Serialize for Results {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.fields {
            None => self.items.serialize(s),
            Some(fields) => {
                let mut picked = Vec::with_capacity(self.items.len());
                for item in &self.items {
                    let Value::Object(mut all) =
                        serde_json::to_value(item).map_err(serde::ser::Error::custom)?
                    else {
                        return Err(serde::ser::Error::custom("a result is an object"));
                    };
                    let mut one = serde_json::Map::new();
                    for f in fields {
                        if let Some(v) = all.remove(f) {
                            one.insert(f.clone(), v);
                        }
                    }
                    picked.push(Value::Object(one));
                }
                picked.serialize(s)
            }
        }
    }
}

/// Facet counts in vocabulary order, every value present, `_unknown` last.
#[derive(Debug)]
pub struct Facets(SearchResults);

impl Serialize for Facets {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Group1<'a>(Group, Option<&'a iop_core::search::FacetCounts>);
        impl Serialize for Group1<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let values = Vocabulary::get().values(self.0);
                let mut m = s.serialize_map(Some(values.len() + 1))?;
                for v in values {
                    let n = self.1.and_then(|c| c.values.get(&v.value)).copied().unwrap_or(0);
                    m.serialize_entry(&v.value, &n)?;
                }
                m.serialize_entry("_unknown", &self.1.map_or(0, |c| c.unknown))?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(Group::ALL.len()))?;
        for g in Group::ALL {
            m.serialize_entry(g.as_str(), &Group1(g, self.0.facets.get(&g)))?;
        }
        m.end()
    }
}

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Distance => "distance",
        Sort::Relevance => "relevance",
        Sort::Name | Sort::Auto => "name",
    }
}

/// Miles rounded to 2 decimals.
pub fn distance_mi(m: f64) -> f64 {
    (m_to_miles(m) * 100.0).round() / 100.0
}

impl SearchResponse {
    /// Shapes an answer from the index for the wire.
    pub fn new(params: &SearchParams, searched: Searched) -> SearchResponse {
        let Searched { request, place, results, took_ms } = searched;
        let has_point = place.is_some();
        let mut results = results;
        let hits = std::mem::take(&mut results.hits);
        let items = hits
            .into_iter()
            .map(|Hit { listing, distance_m, matched, .. }| ResultItem {
                listing,
                distance_mi: has_point.then(|| distance_m.map(distance_mi)),
                matched,
            })
            .collect();
        SearchResponse {
            query: QueryEcho {
                radius_mi: has_point.then_some(params.radius_mi),
                near: place.map(|p| NearEcho { lat: p.lat, lon: p.lon, label: p.label }),
                state: params.state.clone(),
                filters: params.filters.clone(),
                q: params.q.clone(),
                include_unknown: params.include_unknown,
                sort: sort_name(request.effective_sort()),
            },
            total: results.total,
            page: params.page,
            per_page: params.per_page,
            results: Results { items, fields: params.fields.clone() },
            facets: Facets(results),
            took_ms: (took_ms * 1000.0).round() / 1000.0,
        }
    }
}

/// Search listings.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "The matching listings, one page of them, with facets", body = SearchResponse),
        (status = 400, description = "A bad parameter (`bad_parameter`, naming it)", body = ErrorBody),
        (status = 422, description = "A location that cannot be found (`unknown_location`), with suggestions where possible", body = ErrorBody),
        (status = 500, description = "Our fault; the body says nothing internal", body = ErrorBody),
    )
)]
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let started = Instant::now();
    let generation = state.index.current();
    let key = raw.as_deref().unwrap_or_default();
    if let Some(head) = state.cache.get(&generation, cache::Kind::Json, key) {
        return json_bytes(with_took_ms(&head, started.elapsed().as_secs_f64() * 1000.0));
    }
    let answer = async {
        let params = params::parse_query(raw.as_deref())?;
        let searched = state.search_on(Arc::clone(&generation), &params).await?;
        Ok::<_, AppError>(SearchResponse::new(&params, searched))
    };
    let lang = || params::lang_of(raw.as_deref());
    match answer.await {
        Ok(body) => match serde_json::to_vec(&body) {
            Ok(bytes) => {
                let bytes = Bytes::from(bytes);
                if let Some(end) = took_ms_at(&bytes) {
                    state.cache.put(
                        &state.index,
                        &generation,
                        cache::Kind::Json,
                        key,
                        bytes.slice(..end),
                    );
                }
                json_bytes(bytes)
            }
            Err(e) => AppError::Internal(format!("serialising a search answer: {e}"))
                .into_json_response(lang()),
        },
        // The language is looked up again, leniently: the query may be what is wrong.
        Err(e) => e.into_json_response(lang()),
    }
}

/// Where `,"took_ms":` starts in a serialised [`SearchResponse`]: its last field, so what
/// comes before it is the answer without the time, which is what the cache keeps. Strings in
/// the body cannot fake it: their quotes are escaped.
fn took_ms_at(body: &[u8]) -> Option<usize> {
    const FIELD: &[u8] = b",\"took_ms\":";
    body.windows(FIELD.len()).rposition(|w| w == FIELD)
}

/// A cached answer completed with the time this request took.
fn with_took_ms(head: &[u8], took_ms: f64) -> Bytes {
    let mut out = Vec::with_capacity(head.len() + 24);
    out.extend_from_slice(head);
    out.extend_from_slice(b",\"took_ms\":");
    // Writing an f64 into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, &((took_ms * 1000.0).round() / 1000.0));
    out.push(b'}');
    Bytes::from(out)
}

/// One listing.
#[utoipa::path(
    get,
    path = "/api/v1/listings/{id}",
    tag = "search",
    params(("id" = String, Path, description = "The listing's stable id", example = "ft-3f9a0c2b7d41e855")),
    responses(
        (status = 200, description = "The listing", body = ListingDoc),
        (status = 404, description = "No listing with that id (`not_found`)", body = ErrorBody),
    )
)]
pub async fn listing(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match state.listing(&id).await {
        Ok(listing) => Json(listing).into_response(),
        Err(e) => e.into_json_response(params::lang_of(raw.as_deref())),
    }
}

async fn not_found(RawQuery(raw): RawQuery) -> Response {
    AppError::NotFound.into_json_response(params::lang_of(raw.as_deref()))
}

/// A filter value with its labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyValue {
    /// The API value.
    #[schema(example = "iop")]
    pub value: String,
    /// English label.
    #[schema(example = "Intensive outpatient (IOP)")]
    pub en: String,
    /// Spanish label.
    #[schema(example = "Ambulatorio intensivo (IOP)")]
    pub es: String,
    /// ASAM level (levels of care only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2.1")]
    pub asam: Option<String>,
}

/// A filter group: its parameter name, labels and values.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyGroup {
    /// The parameter name.
    #[schema(example = "level")]
    pub group: &'static str,
    /// English label.
    pub en: &'static str,
    /// Spanish label.
    pub es: &'static str,
    /// Every value, in display order.
    pub values: Vec<VocabularyValue>,
}

/// Every filter group and value.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyResponse {
    /// The groups, in display order.
    pub groups: Vec<VocabularyGroup>,
}

/// The vocabulary as served.
pub fn vocabulary_response() -> VocabularyResponse {
    let vocab = Vocabulary::get();
    VocabularyResponse {
        groups: Group::ALL
            .into_iter()
            .map(|g| VocabularyGroup {
                group: g.as_str(),
                en: g.label(Lang::En),
                es: g.label(Lang::Es),
                values: vocab
                    .values(g)
                    .iter()
                    .map(|v| VocabularyValue {
                        value: v.value.clone(),
                        en: v.en.clone(),
                        es: v.es.clone(),
                        asam: v.asam.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Every filter group and value, with English and Spanish labels and ASAM levels.
#[utoipa::path(
    get,
    path = "/api/v1/vocabulary",
    tag = "search",
    responses((status = 200, description = "Every filter group and value", body = VocabularyResponse))
)]
pub async fn vocabulary() -> Response {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BODY.get_or_init(|| {
        serde_json::to_vec(&vocabulary_response()).expect("the vocabulary serialises")
    });
    json_bytes(body.as_slice())
}

/// The OpenAPI 3 document of this API.
pub async fn openapi() -> Response {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    json_bytes(
        BODY.get_or_init(|| {
            serde_json::to_vec_pretty(&openapi_document()).expect("the document serialises")
        })
        .as_slice(),
    )
}

fn json_bytes(body: impl Into<Bytes>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.into())
        .into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "IOP Finder",
        description = "Search intensive outpatient programs (ASAM level 2.1) and other addiction \
treatment in the United States. Unknown is never \"no\": a listing's `unknown` names the groups its \
sources say nothing about.\n\nParameter rules: names are case-sensitive and unknown parameters are \
ignored, but unknown values of known parameters are a 400. An empty value means the parameter was \
not given. Filter values are comma-separated (OR within a group, AND across groups) and a \
repeated filter parameter adds values; any other parameter given twice is a 400. `near` and \
`state` are alternatives: both at once is a 400."
    ),
    paths(search, listing, vocabulary, crate::metrics::healthz),
    components(schemas(ErrorBody, SearchResponse, SearchResult, ListingDoc, VocabularyResponse)),
    tags((name = "search", description = "Search and listings"), (name = "operations", description = "Health"))
)]
struct ApiDoc;

/// The OpenAPI document as JSON: utoipa's, with the listing and result schemas derived from a
/// serialised example listing and the filter parameters' values taken from the vocabulary.
pub fn openapi_document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));

    let listing = serde_json::to_value(example_listing()).expect("a listing serialises");
    let mut result = listing.clone();
    result["distance_mi"] = json!(0.24);
    result["matched"] = json!({"filters": {"level": ["iop"]}, "text": ["buprenorphine"]});
    let schemas = &mut doc["components"]["schemas"];
    schemas["Listing"] = schema_of(&listing);
    schemas["Listing"]["description"] = json!(
        "One treatment location, the same shape as the JSON Lines of `iop ingest`. Groups the \
         sources say nothing about are empty lists named in `unknown` (never a \"no\"); \
         `incomplete` names groups whose lists may miss values."
    );
    schemas["SearchResult"] = schema_of(&result);
    schemas["SearchResult"]["description"] = json!(
        "A listing plus `distance_mi` (miles, 2 decimals; present whenever the query has a \
         location, null when the listing has none) and `matched` (why it matched). With \
         `fields`, only the fields named."
    );

    if let Some(params) = doc["paths"]["/api/v1/search"]["get"]["parameters"].as_array_mut() {
        let vocab = Vocabulary::get();
        for p in params {
            let Some(group) = p["name"].as_str().and_then(|n| n.parse::<Group>().ok()) else {
                continue;
            };
            let values: Vec<&str> = vocab.values(group).iter().map(|v| v.value.as_str()).collect();
            let described = p["description"].as_str().unwrap_or_default().to_owned();
            p["description"] = json!(format!(
                "{described} Comma-separated, OR'd: {}. Unknown values are a 400.",
                values.join(", ")
            ));
            p["schema"] = json!({"type": "string", "example": values.first()});
        }
    }
    doc
}

/// A JSON schema describing `example`: types from its values, the example itself attached.
fn schema_of(example: &Value) -> Value {
    fn walk(v: &Value) -> Value {
        match v {
            Value::Null => json!({"nullable": true}),
            Value::Bool(_) => json!({"type": "boolean"}),
            Value::Number(n) if n.is_f64() => json!({"type": "number"}),
            Value::Number(_) => json!({"type": "integer"}),
            Value::String(_) => json!({"type": "string"}),
            Value::Array(items) => {
                json!({"type": "array", "items": items.first().map(walk).unwrap_or(json!({}))})
            }
            Value::Object(map) => {
                let props: serde_json::Map<String, Value> =
                    map.iter().map(|(k, v)| (k.clone(), walk(v))).collect();
                json!({"type": "object", "properties": props})
            }
        }
    }
    let mut s = walk(example);
    s["example"] = example.clone();
    s
}

/// A listing with every field filled, for the document's example and schema.
fn example_listing() -> Listing {
    use iop_core::{Address, Attr, Location, Phones, Session, SessionFormat, SessionKind};
    use iop_core::{SourceRef, Weekday};
    let mut schedule = Schedule {
        sessions: vec![Session {
            days: vec![Weekday::Mo, Weekday::We, Weekday::Th],
            start: "18:00".into(),
            end: "21:00".into(),
            format: Some(SessionFormat::Hybrid),
            kind: SessionKind::Program,
            label: Some("Evening IOP".into()),
            valid_from: Some("2025-01-06".into()),
            valid_to: Some("2099-12-31".into()),
        }],
        duration_weeks: Some(8.0),
        hours_text: Some("Mon, Wed, Thu 6-9 pm".into()),
        ..Schedule::default()
    };
    schedule.derive_facets("2025-01-06");
    let mut listing = Listing {
        id: "ft-3f9a0c2b7d41e855".into(),
        name: "Region Ten Community Services Board".into(),
        alt_name: Some("Outpatient Substance Use Services".into()),
        description: Some("Intensive outpatient program, evenings.".into()),
        address: Address {
            street: Some("800 Preston Avenue".into()),
            street2: None,
            city: Some("Charlottesville".into()),
            state: Some("VA".into()),
            zip: Some("22903".into()),
        },
        location: Some(Location { lat: 38.0375, lon: -78.4863, approximate: false }),
        phones: Phones { main: Some("+14349798871".into()), intake: None, hotline: None },
        website: Some("https://regionten.org".into()),
        levels: Attr::known(["iop", "op"]),
        modalities: Attr::known(["cbt", "mi"]),
        medications: Attr::partial(["buprenorphine"]),
        schedule,
        payments: Attr::known(["medicaid"]),
        populations: Attr::known(["adults"]),
        languages: Attr::Unknown,
        virtual_states: ["VA".to_owned()].into_iter().collect(),
        services: vec!["Intensive outpatient treatment".into()],
        sources: vec![SourceRef {
            name: "samhsa-findtreatment".into(),
            record_id: "811a90dea1".into(),
            retrieved: Some("2019-05-30".into()),
            license: Some("Public domain (US government work)".into()),
        }],
        last_verified: Some("2019-05-30".into()),
        stale: false,
        accepting_new_clients: Some(true),
        provenance: Default::default(),
    };
    listing.stamp_provenance();
    listing
}
