//! Shared fixtures for the web tests: a real index built in a temporary directory from a small
//! corpus of hand-written listings around Charlottesville, VA, the real geocoder over the
//! shipped `data/geo` tables, and helpers to call `app()` with `oneshot`.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use iop_core::id::stable_id;
use iop_core::{Attr, Listing, Location, Schedule, Session, SessionFormat, SessionKind, Weekday};
use iop_geo::Geocoder;
use iop_index::LiveIndex;
use iop_web::AppState;
use iop_web::metrics::Metrics;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// The repository's `data/` directory.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The geocoder, loaded once per test binary (it reads a few MB of tables).
pub fn geocoder() -> Arc<Geocoder> {
    static GEO: OnceLock<Arc<Geocoder>> = OnceLock::new();
    Arc::clone(GEO.get_or_init(|| {
        Arc::new(Geocoder::load(&data_dir()).expect("the shipped geo tables load"))
    }))
}

/// The id of a fixture listing.
pub fn id(key: &str) -> String {
    stable_id("t", key)
}

fn at(lat: f64, lon: f64) -> Option<Location> {
    Some(Location { lat, lon, approximate: false })
}

fn base(key: &str, name: &str, city: &str, state: &str, zip: &str) -> Listing {
    let mut l = Listing { id: id(key), name: name.to_owned(), ..Listing::default() };
    l.address.city = Some(city.to_owned());
    l.address.state = Some(state.to_owned());
    l.address.zip = Some(zip.to_owned());
    l.sources = vec![iop_core::SourceRef {
        name: "test-fixture".into(),
        record_id: key.to_owned(),
        retrieved: Some("2025-01-01".into()),
        license: None,
    }];
    l
}

fn evening_schedule(format: SessionFormat) -> Schedule {
    let mut s = Schedule {
        sessions: vec![Session {
            days: vec![Weekday::Mo, Weekday::We, Weekday::Th],
            start: "18:00".into(),
            end: "21:00".into(),
            format: Some(format),
            kind: SessionKind::Program,
            label: Some("Evening IOP".into()),
            valid_from: None,
            valid_to: None,
        }],
        ..Schedule::default()
    };
    s.derive_facets("2025-01-01");
    s
}

/// The corpus. Each listing is here for a reason, said beside it.
pub fn listings() -> Vec<Listing> {
    let mut v = Vec::new();

    // An evening IOP in town, everything known: the obvious first answer for 22902 + iop.
    let mut l = base("cville-iop", "Blue Ridge Recovery Center", "Charlottesville", "VA", "22902");
    l.address.street = Some("100 Main Street".into());
    l.location = at(38.0293, -78.4767);
    l.phones.main = Some("+14345550100".into());
    l.levels = Attr::known(["iop", "op"]);
    l.modalities = Attr::known(["cbt", "mi", "group"]);
    l.medications = Attr::known(["buprenorphine"]);
    l.payments = Attr::known(["medicaid", "private_insurance"]);
    l.populations = Attr::known(["adults"]);
    l.languages = Attr::known(["en", "es"]);
    l.schedule = evening_schedule(SessionFormat::InPerson);
    l.services = vec!["Intensive outpatient treatment".into(), "Buprenorphine".into()];
    l.description = Some("Evening intensive outpatient groups for adults.".into());
    v.push(l);

    // Outpatient only, a few miles out: must NOT match level=iop.
    let mut l = base("crozet-op", "Crozet Counseling", "Crozet", "VA", "22932");
    l.location = at(38.0695, -78.7000);
    l.levels = Attr::known(["op"]);
    l.modalities = Attr::known(["individual"]);
    l.payments = Attr::known(["self_pay"]);
    v.push(l);

    // Says nothing about its levels of care: only with include_unknown, flagged as unknown.
    let mut l =
        base("cville-unknown", "Downtown Wellness Clinic", "Charlottesville", "VA", "22903");
    l.location = at(38.0336, -78.4850);
    l.payments = Attr::known(["medicaid"]);
    v.push(l);

    // IOP 65 miles away in Richmond: outside 25 miles, inside 100.
    let mut l = base("richmond-iop", "Richmond Behavioral Health IOP", "Richmond", "VA", "23219");
    l.location = at(37.5407, -77.4360);
    l.levels = Attr::known(["iop", "php"]);
    l.payments = Attr::known(["medicare", "medicaid"]);
    l.populations = Attr::known(["adults", "veterans"]);
    l.schedule = evening_schedule(SessionFormat::InPerson);
    v.push(l);

    // A virtual IOP in Arlington that serves all of Virginia: matches 22902 with
    // schedule=virtual whatever the distance.
    let mut l = base("arlington-virtual", "Telehealth IOP of Virginia", "Arlington", "VA", "22201");
    l.location = at(38.8860, -77.0940);
    l.levels = Attr::known(["iop"]);
    l.schedule = evening_schedule(SessionFormat::Virtual);
    l.virtual_states = ["VA".to_owned()].into_iter().collect();
    v.push(l);

    // Residential in town, with a Spanish-speaking staff and no payments listed (known "none").
    let mut l = base("cville-res", "Mountain View Residential", "Charlottesville", "VA", "22901");
    l.location = at(38.0800, -78.4700);
    l.levels = Attr::known(["residential", "detox"]);
    l.languages = Attr::known(["es"]);
    l.payments = Attr::known(Vec::<String>::new());
    v.push(l);

    // Far away, in California: never in a Virginia search.
    let mut l = base("la-iop", "Los Angeles Recovery IOP", "Los Angeles", "CA", "90012");
    l.location = at(34.0614, -118.2385);
    l.levels = Attr::known(["iop"]);
    l.modalities = Attr::known(["dbt"]);
    v.push(l);

    // Two more in-town IOPs so that paging has something to page through.
    for (k, name, lat, lon) in [
        ("cville-iop2", "Albemarle Family IOP", 38.0400, -78.5000),
        ("cville-iop3", "Rivanna Outpatient Program", 38.0200, -78.4600),
    ] {
        let mut l = base(k, name, "Charlottesville", "VA", "22901");
        l.location = at(lat, lon);
        l.levels = Attr::known(["iop"]);
        l.modalities = Attr::known(["family"]);
        v.push(l);
    }
    v
}

/// Region Ten, 800 Preston Avenue, Charlottesville, among real ingested listings: two
/// FindTreatment.gov records (SA and MH) of one retrieval, merged.
pub fn region_ten(listings: &[Listing]) -> &Listing {
    listings
        .iter()
        .find(|l| {
            l.name == "Region Ten Community Services Board"
                && l.address.street.as_deref() == Some("800 Preston Avenue")
        })
        .expect("Region Ten, 800 Preston Avenue")
}

/// A built index and the state over it; dropping it removes the index.
pub struct Fixture {
    pub dir: TempDir,
    pub state: AppState,
}

impl Fixture {
    /// The app.
    pub fn app(&self) -> Router {
        iop_web::app(self.state.clone())
    }

    /// Builds a new generation into the same directory, as `iop index` does while `serve`
    /// runs: the standard listings plus "Newly Listed IOP" (id `new-one`). Not swapped in.
    pub fn build_generation_with_a_new_listing(&self) {
        let mut more = listings();
        let mut extra = more[0].clone();
        extra.id = id("new-one");
        extra.name = "Newly Listed IOP".into();
        more.push(extra);
        iop_index::build(self.dir.path(), more, &mut |_| {}).expect("second generation builds");
    }
}

/// Builds `listings` into a fresh temporary index and opens it.
pub fn build_fixture(listings: Vec<Listing>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    iop_index::build(dir.path(), listings, &mut |_| {}).expect("the fixture index builds");
    let index = LiveIndex::open(dir.path()).expect("the fixture index opens");
    let state = AppState {
        index: Arc::new(index),
        geocoder: geocoder(),
        metrics: Arc::new(Metrics::default()),
        cache: Default::default(),
    };
    Fixture { dir, state }
}

/// The standard fixture.
pub fn fixture() -> Fixture {
    build_fixture(listings())
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends `req` through `app`.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.expect("the router is infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("the body reads").to_bytes().to_vec();
    Answer { status, headers, body }
}

/// `GET uri`.
pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("a valid request")).await
}

/// The real Charlottesville, VA FindTreatment.gov responses (2019), through the real ingest
/// pipeline: 55 records, merged.
pub fn charlottesville_listings() -> Vec<Listing> {
    let samhsa = data_dir().join("samhsa");
    let opts = iop_ingest::pipeline::IngestOptions {
        data_dir: data_dir(),
        sources: vec![
            samhsa.join("api_response_page1_charlottesville_va_2019.json"),
            samhsa.join("api_response_rows_sa_charlottesville_va_2019.json"),
        ],
        progress: false,
    };
    iop_ingest::pipeline::ingest(&opts, &geocoder()).expect("the shipped responses ingest").listings
}
