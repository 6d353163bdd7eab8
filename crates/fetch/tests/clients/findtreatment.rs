//! FindTreatment.gov locator client.
//!
//! The recorded answers: `api_response_page1_charlottesville_va_2019.json` is a real page 1
//! (30 rows, `totalPages` 765, `recordCount` 22,949); `api_response_rows_sa_..._2019.json` is
//! a real earlier answer holding only `rows` (25 rows). To page through a small result the
//! server serves the real page 1 with `totalPages` rewritten to 3, and the rows file as pages
//! 2 and 3 (the client does not need `totalPages` on later pages, and the live API's later
//! pages carry the same fields anyway).

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use iop_fetch::{ClientConfig, Error, FindTreatmentClient, PageProgress, Query};
use serde_json::Value;

use crate::support::{FT_DIR, Reply, Seen, Server, recorded};
use crate::test_config;

const ENDPOINT: &str = "/locator/exportsAsJson/v2";

/// The real page 1 with `totalPages` rewritten (the only change).
fn page1(total_pages: u32) -> String {
    let real = recorded(FT_DIR, "api_response_page1_charlottesville_va_2019.json");
    assert!(real.contains("\"totalPages\": 765,"), "the recorded page 1 changed");
    real.replacen("\"totalPages\": 765,", &format!("\"totalPages\": {total_pages},"), 1)
}

fn rows_page() -> String {
    recorded(FT_DIR, "api_response_rows_sa_charlottesville_va_2019.json")
}

/// A server with a 3-page result: the real page 1, then the real rows answer twice.
fn three_pages(seen: &Seen) -> Reply {
    match seen.param("page") {
        Some("1") => Reply::json(page1(3)),
        _ => Reply::json(rows_page()),
    }
}

fn client(server: &Server) -> FindTreatmentClient {
    FindTreatmentClient::new(test_config(&server.url())).expect("client")
}

/// VA with the page size of the recorded page 1 (30 rows: a full page).
fn va() -> Query {
    let mut q = Query::state("VA").expect("VA");
    q.page_size = 30;
    q
}

fn manifest(dir: &Path) -> Value {
    let text = fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn pages_for(server: &Server, page: &str) -> usize {
    server.requests().iter().filter(|s| s.param("page") == Some(page)).count()
}

#[test]
fn pages_through_a_multi_page_result_and_saves_each_body() {
    let server = Server::start(three_pages);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut events = Vec::new();
    let report = client(&server).fetch_all(&va(), dir.path(), |p| events.push(p)).expect("fetch");

    assert_eq!((report.fetched, report.resumed, report.requests), (3, 0, 3));
    assert_eq!(report.records, 30 + 25 + 25);
    assert_eq!(report.reported_records, Some(22_949));
    assert!(!report.truncated);
    assert_eq!(report.retrieved, iop_fetch::today_utc());
    let names: Vec<_> =
        report.pages.iter().map(|p| p.file_name().expect("name").to_owned()).collect();
    assert_eq!(names, ["page-0001.json", "page-0002.json", "page-0003.json"]);
    // Byte for byte what the server sent.
    assert_eq!(fs::read_to_string(&report.pages[0]).expect("page 1"), page1(3));
    assert_eq!(fs::read_to_string(&report.pages[2]).expect("page 3"), rows_page());

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for (i, seen) in requests.iter().enumerate() {
        assert_eq!(seen.path, ENDPOINT);
        assert_eq!(seen.param("page"), Some((i + 1).to_string().as_str()));
        assert_eq!(seen.param("sType"), Some("SA"));
        assert_eq!(seen.param("limitType"), Some("0"));
        // Virginia's FindTreatment state id, not its FIPS code (51).
        assert_eq!(seen.param("limitValue"), Some("50"));
        assert_eq!(seen.param("pageSize"), Some("30"));
        assert_eq!(seen.param("sort"), Some("0"));
        let agent = seen.headers.get("user-agent").expect("user agent");
        assert!(agent.starts_with("iop-finder/") && agent.contains("open-source"), "{agent}");
    }

    let m = manifest(dir.path());
    assert_eq!(m["source"], "findtreatment");
    assert_eq!(m["total_pages"], 3);
    assert_eq!(m["record_count"], 22_949);
    assert_eq!(m["records"], 80);
    assert_eq!(m["complete"], true);
    assert_eq!(m["query"]["limitValue"], "50");
    assert_eq!(m["retrieved"], report.retrieved);
    assert!(m["endpoint"].as_str().expect("endpoint").ends_with(ENDPOINT));

    let fetched: Vec<_> = events
        .iter()
        .map(|e| match e {
            PageProgress::Fetched { page, total_pages, rows } => (*page, *total_pages, *rows),
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(fetched, [(1, Some(3), 30), (2, Some(3), 25), (3, Some(3), 25)]);
}

#[test]
fn a_point_query_sends_the_point_and_the_radius_in_metres() {
    let server = Server::start(|_| Reply::json(page1(1)));
    let dir = tempfile::tempdir().expect("tempdir");
    let query = Query::near_mi(38.03, -78.48, 25.0).expect("point");
    let report = client(&server).fetch_all(&query, dir.path(), |_| {}).expect("fetch");
    assert_eq!(report.pages.len(), 1);
    let seen = &server.requests()[0];
    assert_eq!(seen.param("sAddr"), Some("\"38.03,-78.48\""));
    assert_eq!(seen.param("limitType"), Some("2"));
    assert_eq!(seen.param("limitValue"), Some("40233.6"));
    assert_eq!(seen.param("pageSize"), Some("500"));
    assert_eq!(seen.param("page"), Some("1"));
}

#[test]
fn a_503_is_retried_and_the_fetch_completes() {
    let server = Server::start(|seen| {
        if seen.param("page") == Some("2") && seen.attempt == 1 {
            Reply::status(503, "<html><body>Service Unavailable</body></html>")
        } else {
            three_pages(seen)
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut retries = Vec::new();
    let report = client(&server)
        .fetch_all(&va(), dir.path(), |p| {
            if let PageProgress::Retrying { page, attempt, reason, .. } = p {
                retries.push((page, attempt, reason));
            }
        })
        .expect("the retry succeeds");
    assert_eq!(retries, [(2, 1, "HTTP 503".to_owned())]);
    assert_eq!((report.fetched, report.requests), (3, 4));
    assert_eq!(pages_for(&server, "2"), 2);
    assert_eq!(fs::read_to_string(dir.path().join("page-0002.json")).expect("page 2"), rows_page());
}

#[test]
fn a_page_that_always_fails_is_named_and_earlier_pages_are_kept() {
    let server = Server::start(|seen| match seen.param("page") {
        Some("3") => Reply::status(500, "internal error"),
        _ => three_pages(seen),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let err = client(&server).fetch_all(&va(), dir.path(), |_| {}).expect_err("page 3 fails");
    match &err {
        Error::Status { page, status, attempts, .. } => {
            assert_eq!((*page, *status, *attempts), (3, 500, 3));
        }
        other => panic!("unexpected error {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.starts_with("page 3 of http://127.0.0.1:"), "{msg}");
    assert!(msg.contains("500") && msg.contains("internal error"), "{msg}");
    // max_retries = 2: three requests for page 3, no more.
    assert_eq!(pages_for(&server, "3"), 3);
    assert!(dir.path().join("page-0001.json").is_file());
    assert!(dir.path().join("page-0002.json").is_file());
    assert!(!dir.path().join("page-0003.json").exists());
    assert_eq!(manifest(dir.path())["complete"], false);
}

#[test]
fn a_second_run_fetches_only_the_missing_pages() {
    let broken = Arc::new(AtomicBool::new(true));
    let server = Server::start({
        let broken = broken.clone();
        move |seen| {
            if seen.param("page") == Some("3") && broken.load(Ordering::SeqCst) {
                Reply::status(503, "")
            } else {
                three_pages(seen)
            }
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let client = client(&server);
    client.fetch_all(&va(), dir.path(), |_| {}).expect_err("page 3 is down");
    let before = server.requests().len();

    broken.store(false, Ordering::SeqCst);
    let mut events = Vec::new();
    let report = client.fetch_all(&va(), dir.path(), |p| events.push(p)).expect("resumed");
    let second: Vec<_> = server.requests()[before..].to_vec();
    assert_eq!(second.len(), 1, "only the missing page is requested");
    assert_eq!(second[0].param("page"), Some("3"));
    assert_eq!((report.resumed, report.fetched, report.requests), (2, 1, 1));
    assert_eq!(report.records, 80);
    assert!(matches!(events[0], PageProgress::Resumed { page: 1, total_pages: Some(3), rows: 30 }));
    assert_eq!(manifest(dir.path())["complete"], true);

    // A third run finds everything on disk and asks nothing.
    let report = client.fetch_all(&va(), dir.path(), |_| {}).expect("nothing to do");
    assert_eq!((report.resumed, report.fetched, report.requests), (3, 0, 0));
    assert_eq!(server.requests().len(), before + 1);
}

#[test]
fn a_damaged_saved_page_is_fetched_again() {
    let server = Server::start(three_pages);
    let dir = tempfile::tempdir().expect("tempdir");
    let client = client(&server);
    client.fetch_all(&va(), dir.path(), |_| {}).expect("first run");
    // Cut page 2 short, as a copy or an editor might have left it.
    let page2 = dir.path().join("page-0002.json");
    let text = fs::read_to_string(&page2).expect("page 2");
    fs::write(&page2, &text[..text.len() / 2]).expect("damage");

    let report = client.fetch_all(&va(), dir.path(), |_| {}).expect("second run");
    assert_eq!((report.resumed, report.fetched, report.requests), (2, 1, 1));
    assert_eq!(server.requests().last().expect("request").param("page"), Some("2"));
    assert_eq!(fs::read_to_string(&page2).expect("page 2"), text);
}

#[test]
fn another_query_into_the_same_folder_is_refused() {
    let server = Server::start(three_pages);
    let dir = tempfile::tempdir().expect("tempdir");
    let client = client(&server);
    client.fetch_all(&va(), dir.path(), |_| {}).expect("VA");
    let mut md = Query::state("MD").expect("MD");
    md.page_size = 30;
    let err = client.fetch_all(&md, dir.path(), |_| {}).expect_err("MD into VA's folder");
    assert!(matches!(err, Error::OtherQuery { .. }), "{err:?}");
    assert!(err.to_string().contains("another query"), "{err}");
    assert_eq!(server.requests().len(), 3, "nothing requested for the refused query");
}

#[test]
fn malformed_pages_are_errors_naming_the_page() {
    let cut = rows_page()[..2_000].to_owned();
    let cases: [(&str, Reply, &str); 3] = [
        ("html", Reply::json("<!DOCTYPE html><html><body>Maintenance</body></html>"), "HTML"),
        ("truncated", Reply::json(cut), "cut short"),
        (
            "no rows",
            Reply::json(r#"{"page": 2, "totalPages": 3, "recordCount": 80}"#),
            "no \"rows\"",
        ),
    ];
    for (name, bad, expect) in cases {
        let server = Server::start(move |seen| match seen.param("page") {
            Some("2") => bad.clone(),
            _ => three_pages(seen),
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let err = client(&server).fetch_all(&va(), dir.path(), |_| {}).expect_err(name);
        assert!(matches!(err, Error::Malformed { page: 2, attempts: 3, .. }), "{name}: {err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with("page 2 of ") && msg.contains(expect), "{name}: {msg}");
        assert!(dir.path().join("page-0001.json").is_file(), "{name}: page 1 is kept");
        assert!(!dir.path().join("page-0002.json").exists(), "{name}: nothing bad is saved");
        assert_eq!(pages_for(&server, "2"), 3, "{name}: retried before giving up");
        assert_eq!(pages_for(&server, "3"), 0, "{name}: no page after the bad one");
    }
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    let server = Server::start(|seen| {
        if seen.param("page") == Some("1") && seen.attempt == 1 {
            Reply::status(429, "").header("Retry-After", "1")
        } else {
            Reply::json(page1(1))
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut waits = Vec::new();
    let report = client(&server)
        .fetch_all(&va(), dir.path(), |p| {
            if let PageProgress::Retrying { page, wait, reason, .. } = p {
                waits.push((page, wait, reason));
            }
        })
        .expect("succeeds after the pause");
    // The server's 1 s, not the 1 ms backoff of the test configuration.
    assert_eq!(waits, [(1, Duration::from_secs(1), "HTTP 429".to_owned())]);
    assert_eq!(report.requests, 2);
}

#[test]
fn a_retry_after_longer_than_the_client_waits_stops_at_once() {
    let server = Server::start(|_| Reply::status(429, "slow down").header("Retry-After", "3600"));
    let dir = tempfile::tempdir().expect("tempdir");
    let err = client(&server).fetch_all(&va(), dir.path(), |_| {}).expect_err("rate limited");
    assert!(
        matches!(err, Error::RateLimited { page: 1, wait_secs: 3600, max_secs: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("try again later"), "{err}");
    assert_eq!(server.requests().len(), 1, "no hammering");
}

#[test]
fn a_404_is_not_retried() {
    let server = Server::start(|_| Reply::status(404, "<html>Not Found</html>"));
    let dir = tempfile::tempdir().expect("tempdir");
    let err = client(&server).fetch_all(&va(), dir.path(), |_| {}).expect_err("404");
    assert!(matches!(err, Error::Status { page: 1, status: 404, attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().ends_with(": an HTML error page"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_unreachable_server_is_one_clear_sentence() {
    // A port that was free a moment ago and has nothing listening now.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = FindTreatmentClient::new(test_config(&base)).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut retries = 0;
    let err = client
        .fetch_all(&va(), dir.path(), |p| {
            retries += u32::from(matches!(p, PageProgress::Retrying { .. }))
        })
        .expect_err("nothing listens");
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    let prefix = format!("cannot reach {base}: ");
    assert!(msg.starts_with(&prefix), "{msg}");
    assert!(msg.ends_with(" (check the network, or use the shipped data)"), "{msg}");
    let reason =
        &msg[prefix.len()..msg.len() - " (check the network, or use the shipped data)".len()];
    assert!(!reason.is_empty() && !reason.contains("http://"), "the reason is the cause: {reason}");
    // `Connection refused (os error 111)` on Linux; every OS says "refused".
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
    assert_eq!(retries, 2, "connection errors are retried");
    assert!(!dir.path().join("page-0001.json").exists());
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_| Reply::Hang);
    let config = ClientConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..test_config(&server.url())
    };
    let client = FindTreatmentClient::new(config).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let err = client.fetch_all(&va(), dir.path(), |_| {}).expect_err("timeout");
    assert!(matches!(err, Error::TimedOut { page: 1, attempts: 2, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn fetch_page_returns_one_parsed_page_and_writes_nothing() {
    let server = Server::start(three_pages);
    let page = client(&server).fetch_page(&va(), 2).expect("page 2");
    assert_eq!(page["rows"].as_array().expect("rows").len(), 25);
    assert_eq!(page["rows"][0]["name1"], "Addiction Allies LLC");
    assert_eq!(server.requests()[0].param("page"), Some("2"));
}
