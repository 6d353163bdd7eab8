//! The JSON API against a real index built in a temporary directory, through `app()` with
//! `oneshot`: response shape (snapshots), facets, unknown handling, distance, paging, field
//! selection, vocabulary, OpenAPI document, CORS, errors, headers, health, metrics, logs, hot
//! reload and the real server on a socket.

mod support;

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use iop_core::distance::{haversine_m, m_to_miles};
use iop_core::vocabulary::{Group, Vocabulary};
use serde_json::{Value, json};
use support::{fixture, get, id, listings, send};

fn ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .expect("results is an array")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn search_near_zip_snapshot() {
    let f = fixture();
    let a = get(&f.app(), "/api/v1/search?near=22902&level=iop&per_page=2").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), Some("application/json"));
    insta::assert_json_snapshot!(a.json(), { ".took_ms" => "[ms]" });
}

#[tokio::test]
async fn search_by_state_with_text_snapshot() {
    let f = fixture();
    let a = get(&f.app(), "/api/v1/search?state=va&q=evening&fields=id,name,levels,matched").await;
    assert_eq!(a.status, StatusCode::OK);
    insta::assert_json_snapshot!(a.json(), { ".took_ms" => "[ms]" });
}

#[tokio::test]
async fn results_are_the_listing_json_plus_distance_and_matched() {
    let f = fixture();
    let v = get(&f.app(), "/api/v1/search?near=22902&level=iop").await.json();
    let first = &v["results"][0];
    let listing = listings().into_iter().find(|l| l.id == first["id"]).expect("a fixture listing");
    let mut expected = serde_json::to_value(&listing).expect("serialises");
    let mut got = first.clone();
    // Everything but distance_mi and matched is the listing's own JSON, byte for byte.
    let got_obj = got.as_object_mut().expect("object");
    assert!(got_obj.remove("distance_mi").is_some());
    assert!(got_obj.remove("matched").is_some());
    assert_eq!(got, expected.take());
}

#[tokio::test]
async fn facets_have_every_group_and_value() {
    let f = fixture();
    for uri in ["/api/v1/search", "/api/v1/search?near=22902&level=iop&payment=medicaid"] {
        let v = get(&f.app(), uri).await.json();
        let facets = v["facets"].as_object().expect("facets");
        assert_eq!(facets.len(), Group::ALL.len(), "{uri}");
        for g in Group::ALL {
            let counts = facets[g.as_str()].as_object().expect("group object");
            let values = Vocabulary::get().values(g);
            assert_eq!(counts.len(), values.len() + 1, "{uri} {g}: values + _unknown");
            for val in values {
                assert!(counts[&val.value].is_u64(), "{uri} {g}:{} missing", val.value);
            }
            assert!(counts["_unknown"].is_u64(), "{uri} {g}: _unknown missing");
        }
    }
    // Counts are real: everywhere, 6 listings are known IOPs and 1 says nothing of levels.
    let v = get(&f.app(), "/api/v1/search").await.json();
    assert_eq!(v["facets"]["level"]["iop"], 6);
    assert_eq!(v["facets"]["level"]["_unknown"], 1);
    assert_eq!(v["facets"]["level"]["hospital_inpatient"], 0);
    assert_eq!(v["total"], 9);
}

#[tokio::test]
async fn facets_are_disjunctive() {
    let f = fixture();
    // Filtering on level does not change the level counts (still every level's count in the
    // area), but does restrict the other groups.
    let all = get(&f.app(), "/api/v1/search?near=22902").await.json();
    let iop = get(&f.app(), "/api/v1/search?near=22902&level=iop").await.json();
    assert_eq!(all["facets"]["level"], iop["facets"]["level"]);
    assert_ne!(all["facets"]["payment"], iop["facets"]["payment"]);
}

#[tokio::test]
async fn include_unknown_flags_the_unknown() {
    let f = fixture();
    let unknown_id = id("cville-unknown");
    let strict = get(&f.app(), "/api/v1/search?near=22902&level=iop").await.json();
    assert!(!ids(&strict).contains(&unknown_id));
    let loose =
        get(&f.app(), "/api/v1/search?near=22902&level=iop&include_unknown=true").await.json();
    let hit = loose["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == unknown_id.as_str())
        .expect("the listing with unknown levels is included");
    assert_eq!(hit["matched"]["unknown"], json!(["level"]));
    assert!(hit["unknown"].as_array().expect("unknown").contains(&json!("level")));
    assert_eq!(loose["total"].as_u64(), strict["total"].as_u64().map(|n| n + 1));
    assert_eq!(loose["query"]["include_unknown"], true);
    // A known IOP is not flagged.
    let known = loose["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id("cville-iop").as_str());
    assert_eq!(known.expect("known iop")["matched"]["filters"]["level"], json!(["iop"]));
}

#[tokio::test]
async fn distance_is_present_with_a_location_and_rounded() {
    let f = fixture();
    let v = get(&f.app(), "/api/v1/search?near=38.03,-78.48&radius_mi=100").await.json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut last = 0.0;
    for r in results {
        let d = r["distance_mi"].as_f64().expect("distance_mi with a location");
        let loc = &r["location"];
        let exact = m_to_miles(haversine_m(
            38.03,
            -78.48,
            loc["lat"].as_f64().expect("lat"),
            loc["lon"].as_f64().expect("lon"),
        ));
        assert_eq!(d, (exact * 100.0).round() / 100.0, "{}", r["id"]);
        assert!(d <= 100.0);
        assert!(d >= last, "sorted by distance");
        last = d;
    }
    assert_eq!(v["query"]["near"]["lat"], 38.03);
    assert_eq!(v["query"]["radius_mi"], 100.0);
    assert_eq!(v["query"]["sort"], "distance");

    let v = get(&f.app(), "/api/v1/search?state=VA").await.json();
    for r in v["results"].as_array().expect("results") {
        assert!(r.get("distance_mi").is_none(), "no distance without a location");
    }
    assert_eq!(v["query"]["near"], Value::Null);
    assert_eq!(v["query"]["sort"], "name");
}

#[tokio::test]
async fn radius_is_respected_and_virtual_serves_the_state() {
    let f = fixture();
    let near = get(&f.app(), "/api/v1/search?near=22902&radius_mi=25").await.json();
    let got = ids(&near);
    assert!(!got.contains(&id("richmond-iop")), "Richmond is ~65 mi away");
    assert!(!got.contains(&id("arlington-virtual")));
    let wide = get(&f.app(), "/api/v1/search?near=22902&radius_mi=100").await.json();
    assert!(ids(&wide).contains(&id("richmond-iop")));
    // With schedule=virtual, the Arlington program that serves Virginia matches from 22902.
    let virt = get(&f.app(), "/api/v1/search?near=22902&schedule=virtual").await.json();
    assert_eq!(ids(&virt), vec![id("arlington-virtual")]);
    assert_eq!(virt["results"][0]["matched"]["virtual_match"], true);
}

#[tokio::test]
async fn pagination_covers_everything_once() {
    let f = fixture();
    let all = get(&f.app(), "/api/v1/search?near=22902&radius_mi=500&per_page=100").await.json();
    let total = all["total"].as_u64().expect("total");
    assert!(total >= 6);
    let mut seen = Vec::new();
    for page in 1..=4 {
        let v = get(
            &f.app(),
            &format!("/api/v1/search?near=22902&radius_mi=500&per_page=2&page={page}"),
        )
        .await
        .json();
        assert_eq!(v["total"], total, "total is the same on every page");
        assert_eq!(v["page"], page);
        assert_eq!(v["per_page"], 2);
        seen.extend(ids(&v));
    }
    assert_eq!(seen, ids(&all)[..seen.len()].to_vec(), "pages concatenate to the full list");
    let uniq: BTreeSet<_> = seen.iter().collect();
    assert_eq!(uniq.len(), seen.len());
    // Past the end: an empty page, not an error.
    let v = get(&f.app(), "/api/v1/search?near=22902&page=50").await.json();
    assert_eq!(v["results"], json!([]));
}

#[tokio::test]
async fn fields_selects_result_fields() {
    let f = fixture();
    let v = get(&f.app(), "/api/v1/search?near=22902&fields=id,name,distance_mi").await.json();
    let results = v["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let keys: Vec<&String> = r.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["distance_mi", "id", "name"]);
    }
    // The rest of the response is whole.
    assert!(v["facets"]["level"].is_object());
    let a = get(&f.app(), "/api/v1/search?fields=id,bogus").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"]["param"], "fields");
}

#[tokio::test]
async fn listing_by_id_and_404s() {
    let f = fixture();
    let want = listings().into_iter().find(|l| l.id == id("cville-iop")).expect("fixture");
    let a = get(&f.app(), &format!("/api/v1/listings/{}", want.id)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::to_value(&want).expect("serialises"));

    for uri in [
        "/api/v1/listings/t-0000000000000000", // well-formed, unknown
        "/api/v1/listings/%3Cscript%3E",       // malformed
        "/api/v1/listings/..%2F..%2Fetc%2Fpasswd", // malformed
        "/api/v2/search",                      // no such route
        "/api/v1/listings/",                   // no id
    ] {
        let a = get(&f.app(), uri).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(a.json()["error"]["code"], "not_found", "{uri}");
    }
    let a = get(&f.app(), "/api/v1/listings/t-0000000000000000?lang=es").await;
    assert_eq!(a.json()["error"]["message"], "No hay ningún centro con ese identificador.");
}

#[tokio::test]
async fn vocabulary_in_both_languages() {
    let f = fixture();
    let v = get(&f.app(), "/api/v1/vocabulary").await.json();
    let groups = v["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), Group::ALL.len());
    for (g, gv) in Group::ALL.iter().zip(groups) {
        assert_eq!(gv["group"], g.as_str());
        assert!(!gv["en"].as_str().expect("en").is_empty());
        assert!(!gv["es"].as_str().expect("es").is_empty());
        let values = gv["values"].as_array().expect("values");
        assert_eq!(values.len(), Vocabulary::get().values(*g).len());
        for val in values {
            assert!(!val["en"].as_str().expect("en").is_empty());
            assert!(!val["es"].as_str().expect("es").is_empty());
        }
    }
    let iop = &groups[0]["values"][0];
    assert_eq!(iop["value"], "iop");
    assert_eq!(iop["asam"], "2.1");
    assert_eq!(iop["es"], "Ambulatorio intensivo (IOP)");
}

/// The parameter names of API.md's "Search parameters" table (`page`, `per_page` share a row).
fn api_md_params() -> Vec<String> {
    let md =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/API.md"))
            .expect("API.md is in ../shared");
    let table = md
        .split("### Search parameters")
        .nth(1)
        .expect("the section")
        .split("\n\n")
        .nth(1)
        .expect("the table");
    let mut names = Vec::new();
    for line in table.lines().skip(2) {
        let first = line.split('|').nth(1).unwrap_or_default();
        for part in first.split(',') {
            names.push(part.trim().trim_matches('`').to_owned());
        }
    }
    names
}

#[tokio::test]
async fn openapi_documents_every_parameter() {
    let f = fixture();
    let a = get(&f.app(), "/api/openapi.json").await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = a.json();
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let params: BTreeSet<String> = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    let from_md = api_md_params();
    assert!(from_md.len() >= 17, "parsed API.md: {from_md:?}");
    for name in &from_md {
        assert!(params.contains(name), "{name} (API.md) is not in the OpenAPI document");
    }
    let parser: BTreeSet<String> =
        iop_web::params::param_names().into_iter().map(str::to_owned).collect();
    assert_eq!(params, parser, "the document and the parser know the same parameters");

    // Filter parameters list the vocabulary; the listing schema comes from its serialisation.
    let level = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "level")
        .expect("level")
        .clone();
    assert!(level["description"].as_str().expect("description").contains("hospital_inpatient"));
    let listing_props =
        doc["components"]["schemas"]["Listing"]["properties"].as_object().expect("Listing");
    for field in iop_web::params::result_fields() {
        if field != "distance_mi" && field != "matched" {
            assert!(listing_props.contains_key(field), "Listing schema lacks {field}");
        }
    }
    let result_props = doc["components"]["schemas"]["SearchResult"]["properties"]
        .as_object()
        .expect("SearchResult");
    assert!(result_props.contains_key("distance_mi") && result_props.contains_key("matched"));
    for path in ["/api/v1/search", "/api/v1/listings/{id}", "/api/v1/vocabulary", "/healthz"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
}

#[tokio::test]
async fn cors_only_on_the_api() {
    let f = fixture();
    let with_origin = |uri: &str| {
        Request::get(uri)
            .header("origin", "https://partner.example")
            .body(Body::empty())
            .expect("request")
    };
    for uri in ["/api/v1/search?near=22902", "/api/v1/vocabulary", "/api/openapi.json"] {
        let a = send(&f.app(), with_origin(uri)).await;
        assert_eq!(a.header("access-control-allow-origin"), Some("*"), "{uri}");
    }
    for uri in ["/healthz", "/metrics", "/"] {
        let a = send(&f.app(), with_origin(uri)).await;
        assert_eq!(a.header("access-control-allow-origin"), None, "{uri}");
    }
    // A preflight for GET is answered; POST is not allowed.
    let pre = Request::options("/api/v1/search")
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .expect("request");
    let a = send(&f.app(), pre).await;
    assert!(a.status.is_success());
    assert_eq!(a.header("access-control-allow-methods"), Some("GET"));
}

#[tokio::test]
async fn security_headers_and_request_ids_everywhere() {
    let f = fixture();
    for uri in [
        "/healthz",
        "/api/v1/search?near=22902",
        "/api/v1/listings/nope",
        "/api/v1/search?radius_mi=0",
        "/no-such-page",
    ] {
        let a = get(&f.app(), uri).await;
        assert_eq!(
            a.header("content-security-policy"),
            Some(iop_web::CONTENT_SECURITY_POLICY),
            "{uri}"
        );
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{uri}");
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"), "{uri}");
        assert!(a.header("x-request-id").is_some_and(|v| !v.is_empty()), "{uri}");
        assert!(a.header("set-cookie").is_none(), "{uri}");
    }
    let req = Request::get("/healthz")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&f.app(), req).await.header("x-request-id"), Some("abc-123"));
}

#[tokio::test]
async fn gzip_when_asked() {
    let f = fixture();
    let req = Request::get("/api/v1/search?near=22902")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .expect("request");
    let a = send(&f.app(), req).await;
    assert_eq!(a.header("content-encoding"), Some("gzip"));
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&a.body[..]), &mut out)
        .expect("gunzip");
    let v: Value = serde_json::from_slice(&out).expect("json inside");
    assert!(v["total"].is_u64());
}

#[tokio::test]
async fn healthz_and_metrics() {
    let f = fixture();
    let h = get(&f.app(), "/healthz").await.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["listings"], 9);
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert!(h["index_built_at"].as_str().is_some_and(|s| s.contains('T')));
    assert!(h["schema_version"].is_u64());

    let app = f.app();
    get(&app, "/api/v1/search?near=22902&q=distinctivetext").await;
    get(&app, "/api/v1/search?radius_mi=0").await;
    get(&app, &format!("/api/v1/listings/{}", id("cville-iop"))).await;
    let m = String::from_utf8(get(&app, "/metrics").await.body).expect("text");
    assert!(m.contains(r#"iop_http_requests_total{route="/api/v1/search",status="2xx"} 1"#), "{m}");
    assert!(m.contains(r#"iop_http_requests_total{route="/api/v1/search",status="4xx"} 1"#), "{m}");
    assert!(
        m.contains(r#"iop_http_requests_total{route="/api/v1/listings/{id}",status="2xx"} 1"#),
        "{m}"
    );
    assert!(m.contains(r#"iop_http_request_duration_seconds_bucket{route="/api/v1/search",status="2xx",le="+Inf"} 1"#));
    assert!(m.contains("iop_index_listings 9"), "{m}");
    assert!(m.contains("iop_index_size_bytes "));
    assert!(
        !m.contains("distinctivetext") && !m.contains("22902") && !m.contains(&id("cville-iop"))
    );
}

#[tokio::test]
async fn a_new_generation_is_picked_up_and_in_flight_searches_finish() {
    let f = fixture();
    let app = f.app();
    assert_eq!(get(&app, "/healthz").await.json()["listings"], 9);
    let old = f.state.index.current();

    // `iop index` builds a new generation into the same directory while we serve.
    f.build_generation_with_a_new_listing();

    // The reload task (the one `serve` runs) swaps it in without a restart.
    let reloader = iop_web::serve::spawn_reloader(
        Arc::clone(&f.state.index),
        Arc::clone(&f.state.metrics),
        std::time::Duration::from_millis(20),
    );
    let mut listings_now = 9;
    for _ in 0..500 {
        listings_now = get(&app, "/healthz").await.json()["listings"].as_u64().expect("listings");
        if listings_now == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    reloader.abort();
    assert_eq!(listings_now, 10, "the new generation is served");
    let v = get(&app, "/api/v1/search?q=newly").await.json();
    assert_eq!(ids(&v), vec![id("new-one")]);
    let m = String::from_utf8(get(&app, "/metrics").await.body).expect("text");
    assert!(m.contains("iop_index_reloads_total 1"), "{m}");

    // A search that took the old generation before the swap still completes on it.
    let req = iop_core::search::SearchRequest { page: 1, per_page: 20, ..Default::default() };
    let res = tokio::task::spawn_blocking(move || old.search(&req)).await.expect("joins");
    assert_eq!(res.expect("the old generation still answers").total, 9);
}

#[tokio::test]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    let f = fixture();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(iop_web::serve::serve_on(listener, f.state.clone(), async {
        let _ = stopped.await;
    }));
    // A plain blocking client on its own thread: the server runs on this test's runtime.
    let raw = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut conn = std::net::TcpStream::connect(addr).expect("connect");
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut raw = String::new();
        conn.read_to_string(&mut raw).expect("read");
        raw
    })
    .await
    .expect("joins");
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("\"listings\":9"), "{raw}");
    stop.send(()).expect("server waiting");
    server.await.expect("joins").expect("the server stops cleanly");
}

/// Over the real Charlottesville data: the API's answer agrees with a brute-force reading of the
/// same listings through `iop-core`'s own filter semantics, and the top IOPs are pinned.
#[tokio::test]
async fn real_charlottesville_data_agrees_with_brute_force() {
    use iop_core::listing::FilterMatch;
    let listings = support::charlottesville_listings();
    assert!(listings.len() >= 30, "{} listings", listings.len());
    let f = support::build_fixture(listings.clone());
    let app = f.app();

    let place = support::geocoder().geocode("22902").expect("22902 geocodes");
    let within = |l: &iop_core::Listing, miles: f64| {
        l.location
            .is_some_and(|p| m_to_miles(haversine_m(place.lat, place.lon, p.lat, p.lon)) <= miles)
    };
    for (query, group, values) in [
        ("near=22902&radius_mi=25", None, vec![]),
        ("near=22902&radius_mi=50&level=iop", Some(Group::Level), vec!["iop"]),
        (
            "near=22902&radius_mi=50&payment=medicaid,self_pay",
            Some(Group::Payment),
            vec!["medicaid", "self_pay"],
        ),
    ] {
        let radius: f64 = query
            .split("radius_mi=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .and_then(|s| s.parse().ok())
            .expect("radius");
        let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
        let expected: BTreeSet<String> = listings
            .iter()
            .filter(|l| within(l, radius))
            .filter(|l| {
                group.is_none_or(|g| matches!(l.filter_match(g, &values), FilterMatch::Yes(_)))
            })
            .map(|l| l.id.clone())
            .collect();
        let v = get(&app, &format!("/api/v1/search?{query}&per_page=100")).await.json();
        assert_eq!(v["total"].as_u64(), Some(expected.len() as u64), "{query}");
        let got: BTreeSet<String> = ids(&v).into_iter().collect();
        assert_eq!(got, expected, "{query}");
        // Facet counts for an unfiltered group are plain counts over the matches.
        let medicaid = listings
            .iter()
            .filter(|l| expected.contains(&l.id))
            .filter(|l| l.has(Group::Payment, "medicaid") == iop_core::listing::Tri::Yes)
            .count();
        if group != Some(Group::Payment) {
            assert_eq!(
                v["facets"]["payment"]["medicaid"].as_u64(),
                Some(medicaid as u64),
                "{query}"
            );
        }
    }

    let v = get(&app, "/api/v1/search?near=22902&level=iop&fields=name,distance_mi,levels")
        .await
        .json();
    insta::assert_json_snapshot!(v["results"]);
}

/// The listing JSON carries `provenance`: per field, the `name:record_id` keys of the sources
/// that state it. Region Ten's 800 Preston Avenue clinic, from the real API pages, is two
/// records: the SA record (with the second street line, www.regionten.org and buprenorphine)
/// and the MH record (telehealth).
#[tokio::test]
async fn a_listing_says_which_record_states_each_field() {
    let listings = support::charlottesville_listings();
    let l = support::region_ten(&listings);
    let f = support::build_fixture(listings.clone());
    let v = get(&f.app(), &format!("/api/v1/listings/{}", l.id)).await.json();
    let sa =
        "samhsa-findtreatment:39d6ca2b067e9d7bb435d81d51b2c7876939f82b9c92612142d4239277b3d5e6";
    let mh =
        "samhsa-findtreatment:a1e806914f668fd6a36b204da022a61d8ba326606c1ae99cd3b47f0a1bab4fe8";
    let both = serde_json::json!([sa, mh]);
    assert_eq!(
        v["provenance"],
        serde_json::json!({
            "name": both, "address": both, "location": both, "phones.main": both,
            "website": [sa], "levels": both, "modalities": both, "medications": [sa],
            "schedule": [mh], "payments": both, "populations": both, "languages": both,
            "services": both,
        })
    );
    // Every key names one of the listing's sources.
    let sources: Vec<String> = v["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| format!("{}:{}", s["name"].as_str().unwrap(), s["record_id"].as_str().unwrap()))
        .collect();
    assert_eq!(sources, [sa, mh]);
    // `fields` can ask for it like any other field.
    let v =
        get(&f.app(), "/api/v1/search?near=22902&fields=id,provenance&per_page=100").await.json();
    let found = v["results"].as_array().expect("results").iter().find(|r| r["id"] == l.id.as_str());
    assert_eq!(found.expect("in the results")["provenance"]["schedule"], serde_json::json!([mh]));
}
