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
