//! `iop serve` on 127.0.0.1: real HTTP against the shipped data.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Server, run, shipped_index, shipped_jsonl};

fn results(json: &Value) -> &Vec<Value> {
    json["results"].as_array().expect("results array")
}

#[test]
fn serves_health_search_pages_and_listings() {
    let server = Server::start(shipped_index());

    let (status, health) = server.json("/healthz");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert!(health["listings"].as_u64().unwrap() > 10_000);

    // Intensive outpatient near Charlottesville, VA: real FindTreatment.gov records.
    let (status, json) = server.json("/api/v1/search?near=22902&level=iop");
    assert_eq!(status, 200);
    assert!(json["total"].as_u64().unwrap() > 0);
    let first = &results(&json)[0];
    assert!(first["distance_mi"].as_f64().unwrap() <= 25.0);
    assert_eq!(
        json["query"]["near"]["label"].as_str().map(|l| l.contains("Charlottesville")),
        Some(true)
    );
    // Facets carry every group with an _unknown count.
    for g in ["level", "modality", "medication", "schedule", "payment", "population", "language"] {
        assert!(json["facets"][g]["_unknown"].is_u64(), "facet group {g} lacks _unknown");
    }

    // The listing, as JSON and as a page.
    let id = first["id"].as_str().unwrap();
    let (status, listing) = server.json(&format!("/api/v1/listings/{id}"));
    assert_eq!(status, 200);
    assert_eq!(listing["id"], id);
    let (status, page) = server.get(&format!("/listings/{id}"));
    assert_eq!(status, 200);
    assert!(page.contains(listing["name"].as_str().unwrap()) || page.contains("&amp;"));
    assert!(page.contains("988") && page.contains("1-800-662-4357"), "crisis lines missing");

    // The HTML search page answers the same search without JavaScript.
    let (status, html) = server.get("/?near=Charlottesville%2C+VA&level=iop");
    assert_eq!(status, 200);
    assert!(html.contains(listing["name"].as_str().unwrap().split('&').next().unwrap()));

    // Bad input: named parameter, never a 500.
    let (status, err) = server.json("/api/v1/search?near=22902&radius_mi=0");
    assert_eq!(status, 400);
    assert_eq!(err["error"]["param"], "radius_mi");
    let (status, err) = server.json("/api/v1/search?near=Charlotesville%2C+VA");
    assert_eq!(status, 422);
    assert_eq!(err["error"]["code"], "unknown_location");
    let (status, _) = server.get("/api/v1/listings/ft-0000000000000000");
    assert_eq!(status, 404);
}

#[test]
fn evening_and_weekend_searches_in_miami_dade_return_real_schedules() {
    let server = Server::start(shipped_index());
    let (status, json) = server.json("/api/v1/search?near=33012&schedule=evening&radius_mi=10");
    assert_eq!(status, 200);
    let evening = results(&json);
    assert!(!evening.is_empty(), "no evening listing near Hialeah");
    for r in evening {
        let facets = r["schedule"]["facets"].as_array().unwrap();
        assert!(facets.iter().any(|f| f == "evening"), "{r}");
        assert!(!r["schedule"]["sessions"].as_array().unwrap().is_empty(), "no sessions shown");
    }
    let (status, json) = server.json("/api/v1/search?near=Miami%2C+FL&schedule=weekend");
    assert_eq!(status, 200);
    let weekend = results(&json);
    assert!(!weekend.is_empty(), "no weekend listing near Miami");
    let r = &weekend[0];
    let sessions = r["schedule"]["sessions"].as_array().unwrap();
    assert!(
        sessions.iter().any(|s| s["days"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "sa" || d == "su")),
        "{r}"
    );
}

#[test]
fn a_new_index_is_picked_up_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let text = std::fs::read_to_string(shipped_jsonl()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let small = dir.path().join("small.jsonl");
    std::fs::write(&small, lines[..100].join("\n")).unwrap();
    let o = run(&["index", "--input", small.to_str().unwrap(), "--index", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let server = Server::start(&index);
    assert_eq!(server.json("/healthz").1["listings"], 100);

    let bigger = dir.path().join("bigger.jsonl");
    std::fs::write(&bigger, lines[..250].join("\n")).unwrap();
    let o =
        run(&["index", "--input", bigger.to_str().unwrap(), "--index", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Every request during the swap succeeds; the new generation shows up within 30 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, health) = server.json("/healthz");
        assert_eq!(status, 200);
        let (status, _) = server.json("/api/v1/search?state=VA");
        assert_eq!(status, 200);
        if health["listings"] == 250 {
            break;
        }
        assert!(Instant::now() < deadline, "the new index was not picked up");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// axe-core in headless Chromium over the real pages: no serious or critical accessibility
/// violation, no request to another origin, no CSP error (see crates/web/tests/browser/axe.mjs).
/// Needs Chromium and the pinned Node packages, which `.ci/run` installs.
#[test]
fn pages_pass_axe_in_headless_chromium() {
    let browser = crate::util::root().join("crates/web/tests/browser");
    assert!(
        browser.join("node_modules/axe-core").is_dir(),
        "the accessibility test needs its Node packages: run `.ci/run`, or `npm ci` in {}",
        browser.display()
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists()
            || std::env::var_os("CHROMIUM").is_some(),
        "the accessibility test needs Chromium: run `.ci/run`, or `apt-get install chromium`"
    );
    let server = Server::start(shipped_index());
    let out = std::process::Command::new("node")
        .arg("axe.mjs")
        .arg(&server.base)
        .current_dir(&browser)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "axe found problems:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A statewide virtual program from a sheet: `tests/fixtures/sheets` (a TEST FIXTURE, never
/// shipped) gives the real 2-1-1 Miami listing of Multicultural Care Centers (Broward) a virtual
/// evening track serving Florida. A virtual search anywhere in Florida finds it, far outside any
/// radius; one in Georgia does not; the listing page shows the track.
#[test]
fn a_sheet_serving_florida_virtually_is_found_statewide_and_shown() {
    const ID: &str = "m211-32f5123dff5bf4ee";
    const SHEET: &str = "virtual-evening-test-fixture.toml";
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("listings.jsonl");
    let index = dir.path().join("index");
    let o = run(&[
        "ingest",
        "--quiet",
        "--sheets",
        "tests/fixtures/sheets",
        "--out",
        jsonl.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("sheets: 1 read, 0 rejected, 1 applied, 1 sessions"), "{stderr}");
    let o = run(&["index", "--input", jsonl.to_str().unwrap(), "--index", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let server = Server::start(&index);

    // Tallahassee is about 400 miles from the listing (Broward County, FL).
    let (status, json) = server.json("/api/v1/search?near=Tallahassee%2C+FL&schedule=virtual");
    assert_eq!(status, 200, "{json}");
    let found = results(&json).iter().find(|r| r["id"] == ID);
    let r = found.unwrap_or_else(|| panic!("{ID} not found statewide: {json}"));
    let sessions = r["schedule"]["sessions"].as_array().unwrap();
    let track = sessions
        .iter()
        .find(|s| s["label"] == "Virtual evening IOP (test fixture)")
        .unwrap_or_else(|| panic!("no virtual track in {r}"));
    assert_eq!(track["format"], "virtual", "{track}");
    assert_eq!((&track["start"], &track["end"]), (&"18:30".into(), &"21:30".into()), "{track}");
    assert_eq!(track["days"], serde_json::json!(["tu", "th"]), "{track}");
    let facets = r["schedule"]["facets"].as_array().unwrap();
    assert!(facets.iter().any(|f| f == "virtual") && facets.iter().any(|f| f == "evening"));
    let (status, listing) = server.json(&format!("/api/v1/listings/{ID}"));
    assert_eq!(status, 200);
    assert!(
        listing["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "program-sheet" && s["record_id"] == SHEET),
        "the sheet is not among the sources: {listing}"
    );
    assert_eq!(listing["virtual_states"], serde_json::json!(["FL"]), "{listing}");

    // Served in Florida only: a virtual search in Georgia does not find it.
    let (status, json) = server.json("/api/v1/search?near=Atlanta%2C+GA&schedule=virtual");
    assert_eq!(status, 200, "{json}");
    assert!(!results(&json).iter().any(|r| r["id"] == ID), "found in Georgia: {json}");

    // The listing page shows the timetable with the track's format and the states served.
    let (status, page) = server.get(&format!("/listings/{ID}"));
    assert_eq!(status, 200);
    for needle in [
        "data-test=\"timetable\"",
        "Virtual evening IOP (test fixture)",
        "Program session, virtual",
        "6:30 pm–9:30 pm",
        "Serves these states virtually",
    ] {
        assert!(page.contains(needle), "the listing page lacks {needle:?}");
    }
}
