//! The HSDS 3.0 API (`/hsds/*`) over a real index of real listings: the 2-1-1 Miami Open
//! Referral package shipped in `data/miami211` (listings without coordinates placed at their
//! ZIP code, as the ingest pipeline does) and the Open Referral HSDS 3.0 example service. Every
//! document is checked against the published HSDS 3.0 schemas in
//! `shared/data/hsds_3_0/schema`, and every count against a brute-force count over the same
//! listings.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use iop_core::distance::haversine_m;
use iop_core::listing::FilterMatch;
use iop_core::{Group, Listing, Location};
use iop_geo::Geocoder;
use iop_hsds::hsds3::{self, Hsds3Source, uuid_for};
use iop_hsds::schema::SchemaSet;
use iop_index::LiveIndex;
use iop_web::AppState;
use iop_web::metrics::Metrics;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

const TODAY: &str = "2026-11-28";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel)
}

fn geocoder() -> Arc<Geocoder> {
    static GEO: OnceLock<Arc<Geocoder>> = OnceLock::new();
    Arc::clone(GEO.get_or_init(|| {
        Arc::new(Geocoder::load(&repo().join("data")).expect("the shipped geo tables load"))
    }))
}

/// The real listings: 2-1-1 Miami (placed at their ZIP when the package has no coordinates)
/// plus the HSDS 3.0 example service.
fn listings() -> &'static [Listing] {
    static LISTINGS: OnceLock<Vec<Listing>> = OnceLock::new();
    LISTINGS.get_or_init(|| {
        let geo = geocoder();
        let mut out = iop_hsds::miami::parse_dir(&repo().join("data/miami211"), TODAY)
            .expect("the shipped Miami package parses")
            .listings;
        for l in &mut out {
            if l.location.is_none()
                && let Some(p) = l.address.zip.as_deref().and_then(|z| geo.zip(z))
            {
                l.location = Some(Location { lat: p.lat, lon: p.lon, approximate: true });
            }
        }
        let source = Hsds3Source {
            name: "hsds3-example".into(),
            id_prefix: "hsds".into(),
            license: Some("CC-BY-SA 4.0 (Open Referral)".into()),
            retrieved: Some("2024-05-16".into()),
        };
        let example =
            hsds3::read_json(&shared("hsds_3_0/examples/service_full.json"), &source, TODAY)
                .expect("the HSDS 3.0 example service reads");
        out.extend(example.listings);
        out
    })
}

struct Fixture {
    _dir: TempDir,
    app: Router,
}

fn fixture() -> Fixture {
    fixture_of(listings().to_vec())
}

fn fixture_of(listings: Vec<Listing>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    iop_index::build(dir.path(), listings, &mut |_| {}).expect("the index builds");
    let index = LiveIndex::open(dir.path()).expect("the index opens");
    let state = AppState {
        index: Arc::new(index),
        geocoder: geocoder(),
        metrics: Arc::new(Metrics::default()),
        cache: Default::default(),
    };
    Fixture { _dir: dir, app: iop_web::app(state) }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn get(app: &Router, uri: &str) -> Answer {
    let req = Request::get(uri)
        .header(header::HOST, "iop.example.org")
        .body(Body::empty())
        .expect("a request");
    let res = app.clone().oneshot(req).await.expect("the app answers");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("a body").to_bytes().to_vec();
    Answer { status, headers, body }
}

async fn get_json(app: &Router, uri: &str) -> Value {
    let a = get(app, uri).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&a.body));
    a.json()
}

fn schemas() -> SchemaSet {
    SchemaSet::new(&shared("hsds_3_0/schema"))
}

fn assert_valid(schemas: &SchemaSet, schema: &str, doc: &Value, what: &str) {
    let errors = schemas.validate(schema, doc).expect("the schema files read");
    assert!(errors.is_empty(), "{what} against {schema}: {errors:#?}\n{doc:#}");
}

/// A page: valid against the reference's `Page`, and its fields consistent with each other.
fn assert_page(schemas: &SchemaSet, page: &Value, number: u64, per_page: u64, what: &str) {
    assert_valid(schemas, "openapi.json#/components/schemas/Page", page, what);
    let total = page["total_items"].as_u64().expect("total_items");
    let pages = page["total_pages"].as_u64().expect("total_pages");
    let size = page["size"].as_u64().expect("size");
    let contents = page["contents"].as_array().expect("contents");
    assert_eq!(pages, total.div_ceil(per_page), "{what}: total_pages");
    assert_eq!(page["page_number"], number, "{what}: page_number");
    assert_eq!(size, contents.len() as u64, "{what}: size");
    let expected_size = total.saturating_sub((number - 1) * per_page).min(per_page);
    assert_eq!(size, expected_size, "{what}: size of page {number}");
    assert_eq!(page["first_page"], number == 1, "{what}: first_page");
    assert_eq!(page["last_page"], number >= pages, "{what}: last_page");
    assert_eq!(page["empty"], contents.is_empty(), "{what}: empty");
}

/// Every service of a query, walking its pages of 100; checks each page.
async fn all_services(app: &Router, schemas: &SchemaSet, query: &str) -> (u64, Vec<Value>) {
    let mut out = Vec::new();
    let mut number = 1;
    loop {
        let uri = format!("/hsds/services?{query}&per_page=100&page={number}");
        let page = get_json(app, &uri).await;
        assert_page(schemas, &page, number, 100, &uri);
        out.extend(page["contents"].as_array().expect("contents").iter().cloned());
        if page["last_page"] == true {
            return (page["total_items"].as_u64().expect("total_items"), out);
        }
        number += 1;
    }
}

/// The one-to-one fields of a document: every array dropped, at every depth.
fn one_to_one(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, x| !x.is_array());
        for x in map.values_mut() {
            if x.is_object() {
                *x = one_to_one(x.take());
            }
        }
    }
    v
}

fn listing_id_of(service: &Value) -> String {
    service["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["taxonomy_term"]["code"] == "listing_id"))
        .and_then(|a| a["value"].as_str())
        .expect("a listing_id attribute")
        .to_owned()
}

fn service_point(service: &Value) -> (f64, f64) {
    let loc = &service["service_at_locations"][0]["location"];
    (loc["latitude"].as_f64().expect("latitude"), loc["longitude"].as_f64().expect("longitude"))
}

#[tokio::test]
async fn root_names_version_profile_and_openapi() {
    let f = fixture();
    let s = schemas();
    for uri in ["/hsds/", "/hsds"] {
        let root = get_json(&f.app, uri).await;
        assert_valid(
            &s,
            "openapi.json#/paths/~1/get/responses/200/content/application~1json/schema",
            &root,
            uri,
        );
        assert_eq!(root["version"], "3.0");
        assert_eq!(root["profile"], "http://iop.example.org/hsds/profile");
        assert_eq!(root["openapi_url"], "http://iop.example.org/hsds/openapi.json");
    }
    let doc = get_json(&f.app, "/hsds/openapi.json").await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in
        ["/hsds/services", "/hsds/services/{id}", "/hsds/organizations", "/hsds/taxonomy_terms"]
    {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    let profile = get(&f.app, "/hsds/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&profile.body).contains("iop-finder"));
    let missing = get(&f.app, "/hsds/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn services_pages_are_valid_and_consistent() {
    let f = fixture();
    let s = schemas();
    let n = listings().len() as u64;
    assert!(n > 100, "the fixture has enough listings to page through ({n})");

    // The one-to-one form, page by page: each item valid as the reference's service_list.
    let first = get_json(&f.app, "/hsds/services?per_page=7").await;
    assert_page(&s, &first, 1, 7, "page 1");
    assert_eq!(first["total_items"], n);
    for item in first["contents"].as_array().expect("contents") {
        assert_valid(&s, "compiled_service_list.json", item, "a listed service");
        assert!(item.get("attributes").is_none() && item.get("service_at_locations").is_none());
        assert!(item["organization"].get("phones").is_none(), "one-to-one at every depth");
    }
    let last_page = n.div_ceil(7);
    for number in [2, last_page, last_page + 1] {
        let uri = format!("/hsds/services?per_page=7&page={number}");
        let page = get_json(&f.app, &uri).await;
        assert_page(&s, &page, number, 7, &uri);
    }
    let default = get_json(&f.app, "/hsds/services").await;
    assert_page(&s, &default, 1, 50, "the default per_page");

    // Full: each item is a valid fully nested service; walking every page gives every listing
    // exactly once.
    let (total, all) = all_services(&f.app, &s, "full=true").await;
    assert_eq!(total, n);
    let ids: BTreeSet<String> = all.iter().map(listing_id_of).collect();
    let expected: BTreeSet<String> = listings().iter().map(|l| l.id.clone()).collect();
    assert_eq!(ids, expected, "every listing once");
    for svc in all.iter().take(150) {
        assert_valid(&s, "service.json", svc, "a full service");
    }

    // The one-to-one and minimal forms are the exporter's full service cut down.
    let by_service: HashMap<String, &Listing> =
        listings().iter().map(|l| (uuid_for("service", &l.id), l)).collect();
    let (_, listed) = all_services(&f.app, &s, "full=false").await;
    assert_eq!(listed.len() as u64, n);
    for item in &listed {
        let l = by_service[item["id"].as_str().expect("id")];
        assert_eq!(item, &one_to_one(hsds3::to_hsds_service(l)), "{}", l.id);
    }
    let minimal = get_json(&f.app, "/hsds/services?minimal=true&per_page=100").await;
    for item in minimal["contents"].as_array().expect("contents") {
        let full = hsds3::to_hsds_service(by_service[item["id"].as_str().expect("id")]);
        let mut expected = serde_json::Map::new();
        for key in ["id", "last_modified"] {
            if let Some(v) = full.get(key) {
                expected.insert(key.to_owned(), v.clone());
            }
        }
        assert_eq!(item, &Value::Object(expected));
    }
}

#[tokio::test]
async fn one_listing_by_listing_id_or_by_uuid() {
    let f = fixture();
    let s = schemas();
    for l in listings().iter().step_by(97) {
        let by_id = get_json(&f.app, &format!("/hsds/services/{}", l.id)).await;
        assert_valid(&s, "service.json", &by_id, &l.id);
        assert_eq!(by_id, hsds3::to_hsds_service(l), "the exporter's document");
        let svc_uuid = by_id["id"].as_str().expect("id");
        assert_eq!(get_json(&f.app, &format!("/hsds/services/{svc_uuid}")).await, by_id);

        let org_uuid = uuid_for("organization", &l.id);
        let org = get_json(&f.app, &format!("/hsds/organizations/{org_uuid}")).await;
        assert_valid(&s, "organization.json", &org, "an organization");
        assert_eq!(org["id"], org_uuid);
        assert_eq!(org["services"][0], by_id, "the organization's full service");
        assert_eq!(get_json(&f.app, &format!("/hsds/organizations/{}", l.id)).await, org);

        let sal_uuid = uuid_for("service_at_location", &l.id);
        let sal = get_json(&f.app, &format!("/hsds/service_at_locations/{sal_uuid}")).await;
        assert_valid(&s, "service_at_location.json", &sal, "a service at location");
        assert_eq!(sal["service"]["id"], svc_uuid);
        assert_eq!(sal["location"], by_id["service_at_locations"][0]["location"]);

        // A UUID of another kind is not this kind's id.
        let wrong = get(&f.app, &format!("/hsds/services/{org_uuid}")).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    }
    for id in [
        "m211-0000000000000000",
        "%3Cscript%3E",
        "00000000-0000-8000-8000-000000000000",
        "not-an-id",
    ] {
        for kind in ["services", "organizations", "service_at_locations"] {
            let a = get(&f.app, &format!("/hsds/{kind}/{id}")).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{kind}/{id}");
            assert_eq!(a.json()["error"]["code"], "not_found");
        }
    }
}

#[tokio::test]
async fn search_finds_a_real_service_by_a_word_of_its_name() {
    let f = fixture();
    let s = schemas();
    // A listing and the longest word of its name, as someone would type it.
    let (listing, word) = listings()
        .iter()
        .filter(|l| l.id.starts_with("m211-"))
        .flat_map(|l| {
            l.name
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.len() >= 7)
                .map(move |w| (l, w.to_lowercase()))
        })
        .max_by_key(|(l, w)| (w.len(), l.id.clone()))
        .expect("a Miami name with a long word");
    let (total, found) = all_services(&f.app, &s, &format!("search={word}&full=true")).await;
    assert!(total >= 1 && total < listings().len() as u64, "{word}: {total}");
    assert!(
        found.iter().any(|svc| listing_id_of(svc) == listing.id),
        "{word:?} finds {:?}",
        listing.name
    );
}

#[tokio::test]
async fn postcode_and_proximity_keep_what_lies_within() {
    let f = fixture();
    let s = schemas();
    let zip = geocoder().zip("33012").expect("33012 is a ZIP code");
    let within = |m: f64| {
        listings()
            .iter()
            .filter(|l| {
                l.location.is_some_and(|p| haversine_m(zip.lat, zip.lon, p.lat, p.lon) <= m)
            })
            .count() as u64
    };

    let (total, found) = all_services(&f.app, &s, "postcode=33012&proximity=5000&full=true").await;
    assert!(total > 0, "Hialeah has services within 5 km");
    assert_eq!(total, within(5000.0), "the brute-force count");
    assert!(total < listings().len() as u64);
    let mut last = 0.0;
    for svc in &found {
        let (lat, lon) = service_point(svc);
        let d = haversine_m(zip.lat, zip.lon, lat, lon);
        assert!(d <= 5000.0 + 1.0, "{} is {d} m away", svc["name"]);
        assert!(d + 1.0 >= last, "nearest first");
        last = d;
    }

    // Without proximity: 25 miles.
    let page = get_json(&f.app, "/hsds/services?postcode=33012-4321").await;
    assert_eq!(page["total_items"], within(40_233.6));
    assert!(page["total_items"].as_u64() > Some(total));

    let unknown = get(&f.app, "/hsds/services?postcode=00000").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.json()["error"]["param"], "postcode");
}

#[tokio::test]
async fn taxonomy_term_ids_filter_by_code_or_id() {
    let f = fixture();
    let s = schemas();
    let count = |filters: &[(Group, &str)]| {
        listings()
            .iter()
            .filter(|l| {
                filters.iter().all(|(g, v)| {
                    matches!(l.filter_match(*g, &[(*v).to_owned()]), FilterMatch::Yes(_))
                })
            })
            .count() as u64
    };
    // The commonest level and modality of the real data.
    let commonest = |g: Group| {
        let vocab = iop_core::Vocabulary::get();
        vocab
            .values(g)
            .iter()
            .map(|v| (count(&[(g, &v.value)]), v.value.clone()))
            .max()
            .map(|(_, v)| v)
            .expect("a value")
    };
    let level = commonest(Group::Level);
    let modality = commonest(Group::Modality);
    let expected = count(&[(Group::Level, &level)]);
    assert!(expected > 0 && expected < listings().len() as u64);

    let by_code = get_json(&f.app, &format!("/hsds/services?taxonomy_term_id=level:{level}")).await;
    assert_page(&s, &by_code, 1, 50, "by code");
    assert_eq!(by_code["total_items"], expected);
    let term_uuid = uuid_for("term", &format!("level:{level}"));
    let by_id = get_json(&f.app, &format!("/hsds/services?taxonomy_term_id={term_uuid}")).await;
    assert_eq!(by_id["total_items"], expected);

    // Across groups: AND.
    let both = count(&[(Group::Level, &level), (Group::Modality, &modality)]);
    let terms = format!("taxonomy_term_id=level:{level}&taxonomy_term_id=modality:{modality}");
    let uri = format!("/hsds/services?{terms}&full=true");
    let page = get_json(&f.app, &uri).await;
    assert_eq!(page["total_items"], both);
    for svc in page["contents"].as_array().expect("contents") {
        let codes: Vec<&str> = svc["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .filter_map(|a| a["taxonomy_term"]["code"].as_str())
            .collect();
        assert!(codes.contains(&format!("level:{level}").as_str()), "{codes:?}");
    }

    // Our taxonomy changes nothing; another matches nothing.
    let ours = get_json(
        &f.app,
        &format!("/hsds/services?taxonomy_id={}", uuid_for("taxonomy", "iop-finder")),
    )
    .await;
    assert_eq!(ours["total_items"], listings().len() as u64);
    let other =
        get_json(&f.app, "/hsds/services?taxonomy_id=3f7b145d-84af-42d7-8fae-eaca714b02b2").await;
    assert_page(&s, &other, 1, 50, "another taxonomy");
    assert_eq!(other["total_items"], 0);
}

#[tokio::test]
async fn modified_after_compares_with_last_verified() {
    let f = fixture();
    let s = schemas();
    let since = |date: &str| {
        listings().iter().filter(|l| l.last_verified.as_deref().is_some_and(|d| d >= date)).count()
            as u64
    };
    // The Miami extract and the HSDS example carry different dates: each side has listings.
    let miami = listings().iter().find(|l| l.id.starts_with("m211-")).expect("Miami");
    let date = miami.last_verified.clone().expect("Miami listings have a date");
    assert!(since(&date) > 0 && since(&date) < listings().len() as u64);

    for (param, expected) in [
        (date.clone(), since(&date)),
        (format!("{date}T00:00:00Z"), since(&date)),
        // A second later excludes that day.
        (format!("{date}T00:00:01Z"), since(&format!("{date}~"))),
        // 20:00 the day before in Miami is midnight UTC.
        ("2019-07-28T20:00:00-04:00".to_owned(), since("2019-07-29")),
        ("2000-01-01".to_owned(), since("2000-01-01")),
    ] {
        let uri = format!(
            "/hsds/services?modified_after={}&per_page=30&page=2",
            param.replace('+', "%2B")
        );
        let page = get_json(&f.app, &uri).await;
        assert_page(&s, &page, 2, 30, &uri);
        assert_eq!(page["total_items"], expected, "{uri}");
        for item in page["contents"].as_array().expect("contents") {
            assert_valid(&s, "compiled_service_list.json", item, &uri);
        }
    }
    let lines = get(&f.app, &format!("/hsds/services?modified_after={date}&format=ndjson")).await;
    assert_eq!(lines.status, StatusCode::OK);
    assert_eq!(
        lines.body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64,
        since(&date)
    );
}

/// The documents of an `ndjson` answer, one per line; checks the status, the content type and
/// that the body is whole lines.
fn ndjson_lines(a: &Answer, uri: &str) -> Vec<Value> {
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/x-ndjson", "{uri}");
    let text = std::str::from_utf8(&a.body).expect("UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'), "{uri}: the last line is whole");
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{uri}: a line is not JSON ({e})"))
        })
        .collect()
}

fn ids_of(docs: &[Value]) -> BTreeSet<String> {
    docs.iter().map(|d| d["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn ndjson_exports_every_service_valid_and_fully_nested() {
    let f = fixture();
    let s = schemas();
    let by_service: HashMap<String, &Listing> =
        listings().iter().map(|l| (uuid_for("service", &l.id), l)).collect();

    // The whole index: exactly `total_items` lines, each a valid full service, the exporter's
    // own document, every listing once.
    let total = get_json(&f.app, "/hsds/services").await["total_items"].as_u64().expect("total");
    assert_eq!(total, listings().len() as u64);
    let uri = "/hsds/services?format=ndjson";
    let lines = ndjson_lines(&get(&f.app, uri).await, uri);
    assert_eq!(lines.len() as u64, total, "one line per service");
    assert_eq!(ids_of(&lines).len(), lines.len(), "no service twice");
    for svc in &lines {
        assert_valid(&s, "service.json", svc, "an ndjson line");
        let l = by_service[svc["id"].as_str().expect("id")];
        assert_eq!(svc, &hsds3::to_hsds_service(l), "{}", l.id);
    }
    // `page` and `per_page` do not page an export.
    let uri = "/hsds/services?format=ndjson&per_page=3&page=2&minimal=true";
    assert_eq!(ndjson_lines(&get(&f.app, uri).await, uri).len() as u64, total);

    // Narrowed: the same services as the pages of the same query, no more, no fewer.
    for query in ["postcode=33012&proximity=8000", "search=counseling"] {
        let (total, paged) = all_services(&f.app, &s, &format!("{query}&full=true")).await;
        let uri = format!("/hsds/services?{query}&format=ndjson");
        let lines = ndjson_lines(&get(&f.app, &uri).await, &uri);
        assert!(!lines.is_empty(), "{query}");
        assert_eq!(lines.len() as u64, total, "{query}");
        assert_eq!(ids_of(&lines), ids_of(&paged), "{query}");
        for svc in &lines {
            assert_valid(&s, "service.json", svc, &uri);
        }
    }
}

#[tokio::test]
async fn ndjson_export_with_filters_gives_only_the_matches() {
    let f = fixture();
    let s = schemas();
    let zip = geocoder().zip("33012").expect("33012 is a ZIP code");
    let holds = |l: &Listing, g: Group, v: &str| {
        matches!(l.filter_match(g, &[v.to_owned()]), FilterMatch::Yes(_))
    };
    // The commonest level of care of the real data, so that the filter keeps some and drops
    // some.
    let level = iop_core::Vocabulary::get()
        .values(Group::Level)
        .iter()
        .max_by_key(|v| listings().iter().filter(|l| holds(l, Group::Level, &v.value)).count())
        .map(|v| v.value.clone())
        .expect("a level");
    let within = |l: &Listing, m: f64| {
        l.location.is_some_and(|p| haversine_m(zip.lat, zip.lon, p.lat, p.lon) <= m)
    };
    type Matches<'a> = Box<dyn Fn(&Listing) -> bool + 'a>;
    let cases: [(String, Matches<'_>); 3] = [
        (format!("taxonomy_term_id=level:{level}"), Box::new(|l| holds(l, Group::Level, &level))),
        (
            format!("taxonomy_term_id=level:{level}&postcode=33012&proximity=20000"),
            Box::new(|l| holds(l, Group::Level, &level) && within(l, 20_000.0)),
        ),
        // Every Miami listing is in Florida; the HSDS example is not.
        ("postcode=33012&proximity=804672".to_owned(), Box::new(|l| within(l, 804_672.0))),
    ];
    for (query, expected) in &cases {
        let expected: BTreeSet<String> =
            listings().iter().filter(|l| expected(l)).map(|l| uuid_for("service", &l.id)).collect();
        assert!(!expected.is_empty() && expected.len() < listings().len(), "{query}");
        let uri = format!("/hsds/services?{query}&format=ndjson");
        let lines = ndjson_lines(&get(&f.app, &uri).await, &uri);
        assert_eq!(lines.len(), expected.len(), "{query}: one line per match");
        assert_eq!(ids_of(&lines), expected, "{query}: the matches, and only them");
        for svc in &lines {
            assert_valid(&s, "service.json", svc, &uri);
        }
    }

    // Nothing to match is an empty export, not an error.
    for query in ["taxonomy_id=3f7b145d-84af-42d7-8fae-eaca714b02b2", "organization_id=nobody"] {
        let uri = format!("/hsds/services?{query}&format=ndjson");
        assert!(ndjson_lines(&get(&f.app, &uri).await, &uri).is_empty(), "{query}");
    }
    // A bad parameter is found before the stream starts: still a 400 naming it.
    let a = get(&f.app, "/hsds/services?format=ndjson&postcode=abc").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"]["param"], "postcode");
    let a = get(&f.app, "/hsds/services?format=ndjson&postcode=00000").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The export is a stream: its body comes a page of the index at a time (at most 100 lines a
/// chunk, each chunk whole lines), never built whole, so its size is not known in advance.
#[tokio::test]
async fn ndjson_is_streamed_a_page_at_a_time() {
    let f = fixture();
    let req = Request::get("/hsds/services?format=ndjson").body(Body::empty()).expect("request");
    let res = f.app.clone().oneshot(req).await.expect("the app answers");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::CONTENT_LENGTH).is_none(), "{:?}", res.headers());
    let mut body = res.into_body();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("a frame").into_data() {
            chunks.push(data);
        }
    }
    let lines_in = |c: &[u8]| c.iter().filter(|b| **b == b'\n').count();
    let n: usize = chunks.iter().map(|c| lines_in(c)).sum();
    assert_eq!(n, listings().len());
    assert!(chunks.len() >= n.div_ceil(100), "{} chunks for {n} lines", chunks.len());
    for c in &chunks {
        assert!((1..=100).contains(&lines_in(c)), "{} lines in a chunk", lines_in(c));
        assert!(c.ends_with(b"\n"), "a chunk is whole lines");
    }
}

/// Organizations and services at locations export the same way, each line valid.
#[tokio::test]
async fn ndjson_exports_organizations_and_services_at_locations() {
    let f = fixture();
    let s = schemas();
    for (route, schema) in [
        ("organizations", "organization.json"),
        ("service_at_locations", "service_at_location.json"),
    ] {
        let uri = format!("/hsds/{route}?format=ndjson");
        let lines = ndjson_lines(&get(&f.app, &uri).await, &uri);
        assert_eq!(lines.len(), listings().len(), "{route}");
        assert_eq!(ids_of(&lines).len(), lines.len(), "{route}: none twice");
        for doc in &lines {
            assert_valid(&s, schema, doc, &uri);
        }
    }
}

#[tokio::test]
async fn organizations_and_services_at_locations_list_one_per_listing() {
    let f = fixture();
    let s = schemas();
    let n = listings().len() as u64;
    let orgs = get_json(&f.app, "/hsds/organizations?per_page=40&page=3").await;
    assert_page(&s, &orgs, 3, 40, "organizations");
    assert_eq!(orgs["total_items"], n);
    let by_org: HashMap<String, &Listing> =
        listings().iter().map(|l| (uuid_for("organization", &l.id), l)).collect();
    for org in orgs["contents"].as_array().expect("contents") {
        assert_valid(&s, "organization.json", org, "a listed organization");
        let l = by_org[org["id"].as_str().expect("id")];
        assert_eq!(org, &one_to_one(hsds3::to_hsds_organization(l)));
    }
    let by_sal: HashMap<String, &Listing> =
        listings().iter().map(|l| (uuid_for("service_at_location", &l.id), l)).collect();
    for full in ["true", "false"] {
        let uri = format!("/hsds/service_at_locations?per_page=40&page=2&full={full}");
        let sals = get_json(&f.app, &uri).await;
        assert_page(&s, &sals, 2, 40, &uri);
        assert_eq!(sals["total_items"], n);
        for sal in sals["contents"].as_array().expect("contents") {
            assert_valid(&s, "service_at_location.json", sal, &uri);
            let l = by_sal[sal["id"].as_str().expect("id")];
            let svc = hsds3::to_hsds_service(l);
            let mut expected = svc["service_at_locations"][0].clone();
            expected["service"] = one_to_one(svc);
            if full == "false" {
                expected = one_to_one(expected);
            }
            assert_eq!(sal, &expected, "{uri}");
        }
    }

    // organization_id: the organization's one service, with or without other filters.
    let l = &listings()[listings().len() / 2];
    let org_uuid = uuid_for("organization", &l.id);
    let page = get_json(&f.app, &format!("/hsds/services?organization_id={org_uuid}")).await;
    assert_page(&s, &page, 1, 50, "organization_id");
    assert_eq!(page["total_items"], 1);
    assert_eq!(page["contents"][0]["id"], uuid_for("service", &l.id));
    let zip = l.address.zip.clone().expect("a ZIP code");
    let near =
        get_json(&f.app, &format!("/hsds/services?organization_id={}&postcode={zip}", l.id)).await;
    assert_eq!(near["total_items"], 1, "near its own ZIP code");
    let none =
        get_json(&f.app, "/hsds/services?organization_id=00000000-0000-8000-8000-000000000000")
            .await;
    assert_eq!(none["total_items"], 0);
}

#[tokio::test]
async fn taxonomy_terms_are_the_attributes_terms() {
    let f = fixture();
    let s = schemas();
    let terms = get_json(&f.app, "/hsds/taxonomy_terms?per_page=100").await;
    assert_page(&s, &terms, 1, 100, "taxonomy_terms");
    for t in terms["contents"].as_array().expect("contents") {
        assert_valid(&s, "taxonomy_term.json", t, "a term");
    }
    let taxonomies = get_json(&f.app, "/hsds/taxonomies").await;
    assert_eq!(taxonomies["total_items"], 1);
    let taxonomy = &taxonomies["contents"][0];
    assert_valid(&s, "taxonomy.json", taxonomy, "the taxonomy");
    let by_id =
        get_json(&f.app, &format!("/hsds/taxonomies/{}", taxonomy["id"].as_str().expect("id")))
            .await;
    assert_eq!(&by_id, taxonomy);

    // Every term a real service carries is served, with the same code and name.
    let (_, services) = all_services(&f.app, &s, "full=true&postcode=33012").await;
    let mut seen = BTreeSet::new();
    for svc in &services {
        for a in svc["attributes"].as_array().expect("attributes") {
            let term = &a["taxonomy_term"];
            let id = term["id"].as_str().expect("term id");
            if seen.insert(id.to_owned()) {
                let served = get(&f.app, &format!("/hsds/taxonomy_terms/{id}")).await;
                assert_eq!(served.status, StatusCode::OK, "{term}");
                let served = served.json();
                assert_eq!(served["code"], term["code"], "{id}");
                assert_eq!(served["name"], term["name"], "{id}");
                assert_eq!(served["taxonomy_detail"], term["taxonomy_detail"], "{id}");
            }
        }
    }
    assert!(seen.len() > 10, "{} terms seen", seen.len());

    let found = get_json(&f.app, "/hsds/taxonomy_terms?search=evening").await;
    assert!(
        found["contents"]
            .as_array()
            .expect("contents")
            .iter()
            .any(|t| t["code"] == "schedule:evening")
    );
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_them() {
    let f = fixture();
    let table = [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("per_page=1000", "per_page"),
        ("per_page=0", "per_page"),
        ("postcode=33012&proximity=-5", "proximity"),
        ("postcode=33012&proximity=abc", "proximity"),
        ("proximity=5000", "proximity"),
        ("postcode=abc", "postcode"),
        ("postcode=3301", "postcode"),
        ("format=xml", "format"),
        ("modified_after=yesterday", "modified_after"),
        ("modified_after=2019-02-30", "modified_after"),
        ("taxonomy_term_id=level:nonsense", "taxonomy_term_id"),
        ("taxonomy_term_id=complete:level", "taxonomy_term_id"),
        ("full=maybe", "full"),
        ("minimal=true&full=true", "minimal"),
        ("page=1&page=2", "page"),
        ("search=%E0%A4", "search"),
    ];
    for route in ["services", "organizations", "service_at_locations"] {
        for (query, param) in table {
            let uri = format!("/hsds/{route}?{query}");
            let a = get(&f.app, &uri).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
            let e = a.json();
            assert_eq!(e["error"]["code"], "bad_parameter", "{uri}");
            assert_eq!(e["error"]["param"], param, "{uri}");
            let message = e["error"]["message"].as_str().expect("a message");
            assert!(message.contains(param), "{uri}: {message}");
        }
    }
    // Unknown parameters are ignored; an empty value is not given.
    let ok = get(&f.app, "/hsds/services?colour=blue&page=&format=").await;
    assert_eq!(ok.status, StatusCode::OK);
}

/// Whole-index reads (`ndjson`, `modified_after`, ids by UUID) go state by state when the
/// states split the listings exactly, and page by page otherwise: both give every listing once.
#[tokio::test]
async fn whole_index_reads_give_every_listing_once() {
    let stateless =
        |l: &Listing| l.address.state.as_deref().is_none_or(|s| !iop_core::states::is_state(s));
    let mixed = listings().to_vec();
    assert!(mixed.iter().any(stateless), "the HSDS example is not in a US state");
    let us: Vec<Listing> = mixed.iter().filter(|l| !stateless(l)).cloned().collect();
    assert!(us.len() > 100);
    for set in [mixed, us] {
        let f = fixture_of(set.clone());
        let expected: BTreeSet<String> = set.iter().map(|l| uuid_for("service", &l.id)).collect();

        let a = get(&f.app, "/hsds/services?format=ndjson&minimal=true").await;
        assert_eq!(a.status, StatusCode::OK);
        let lines: Vec<Value> = String::from_utf8(a.body)
            .expect("UTF-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        let ids: BTreeSet<String> =
            lines.iter().map(|v| v["id"].as_str().expect("id").to_owned()).collect();
        assert_eq!(lines.len(), set.len(), "no listing twice");
        assert_eq!(ids, expected);

        // modified_after over everything: paging through it gives every listing once.
        let mut seen = Vec::new();
        for page in 1.. {
            let uri = format!("/hsds/services?modified_after=1990-01-01&per_page=100&page={page}");
            let p = get_json(&f.app, &uri).await;
            seen.extend(
                p["contents"].as_array().expect("contents").iter().map(|v| v["id"].clone()),
            );
            if p["last_page"] == true {
                break;
            }
        }
        let seen_set: BTreeSet<String> =
            seen.iter().map(|v| v.as_str().expect("id").to_owned()).collect();
        assert_eq!((seen.len(), &seen_set), (set.len(), &expected));

        // A UUID finds its listing.
        for l in set.iter().step_by(50) {
            let uuid = uuid_for("service_at_location", &l.id);
            let sal = get_json(&f.app, &format!("/hsds/service_at_locations/{uuid}")).await;
            assert_eq!(sal["id"], uuid);
        }
    }
}
