//! NPPES NPI Registry client, against recorded real registry answers.

use std::fs;

use iop_fetch::{Error, NppesClient, NppesQuery, PageProgress};
use serde_json::Value;

use crate::support::{NPPES_DIR, Reply, Server, recorded};
use crate::test_config;

fn orgs() -> String {
    recorded(NPPES_DIR, "npi_api_v2.1_response_npi2_organizations_10.json")
}

fn empty() -> String {
    recorded(NPPES_DIR, "npi_api_v2.1_response_empty.json")
}

fn client(server: &Server) -> NppesClient {
    // The NPPES base URL ends in `/api/`; mirror that path on the local server.
    NppesClient::new(test_config(&format!("{}/api/", server.url()))).expect("client")
}

/// The recorded answer holds 10 organisations, so page by 10.
fn query() -> NppesQuery {
    NppesQuery { limit: 10, ..NppesQuery::new("261QR0405X").in_state("VA") }
}

#[test]
fn organisations_are_paged_until_a_short_page() {
    let server = Server::start(|seen| match seen.param("skip") {
        Some("0") => Reply::json(orgs()),
        _ => Reply::json(empty()),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let report = client(&server).fetch_all(&query(), dir.path(), |_| {}).expect("fetch");
    assert_eq!(report.pages.len(), 2);
    assert_eq!(report.records, 10);
    assert_eq!(report.reported_records, None);
    assert!(!report.truncated);
    assert_eq!(fs::read_to_string(&report.pages[0]).expect("page 1"), orgs());

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (seen, skip) in requests.iter().zip(["0", "10"]) {
        assert_eq!(seen.path, "/api/");
        assert_eq!(seen.param("version"), Some("2.1"));
        // The registry matches descriptions, not codes: the code goes out as its description.
        assert_eq!(
            seen.param("taxonomy_description"),
            Some("Clinic/Center Rehabilitation, Substance Use Disorder")
        );
        assert_eq!(seen.param("enumeration_type"), Some("NPI-2"));
        assert_eq!(seen.param("state"), Some("VA"));
        assert_eq!(seen.param("limit"), Some("10"));
        assert_eq!(seen.param("skip"), Some(skip));
    }
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("manifest.json")).expect("m"))
            .expect("JSON");
    assert_eq!(manifest["source"], "nppes");
    assert_eq!(manifest["total_pages"], 2);
    assert_eq!(manifest["records"], 10);
    assert_eq!(manifest["truncated"], false);
}

#[test]
fn the_skip_ceiling_is_reported_as_truncation() {
    // Every page full: the registry would go on, but skip stops at 1,000.
    let server = Server::start(|_| Reply::json(orgs()));
    let dir = tempfile::tempdir().expect("tempdir");
    let report = client(&server).fetch_all(&query(), dir.path(), |_| {}).expect("fetch");
    assert!(report.truncated);
    assert_eq!(report.pages.len(), 101, "skip 0, 10, ..., 1000");
    assert_eq!(report.records, 1010);
    let skips: Vec<u32> = server
        .requests()
        .iter()
        .map(|s| s.param("skip").expect("skip").parse().expect("number"))
        .collect();
    assert_eq!(skips.last(), Some(&1000));
    assert!(skips.iter().all(|s| *s <= 1000), "never past the ceiling");
    let manifest = fs::read_to_string(dir.path().join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"truncated\": true"), "{manifest}");
}

#[test]
fn the_registry_error_answers_show_field_and_description() {
    let cases = [
        (
            200,
            "npi_api_v2.1_error_enumeration_type_only.json",
            "enumeration_type: enumeration_type requires additional search criteria (error 09)",
        ),
        (
            400,
            "npi_api_v2.1_error_no_criteria.json",
            "generic: No valid search criteria provided (error 04)",
        ),
    ];
    for (status, file, expect) in cases {
        let body = recorded(NPPES_DIR, file);
        let server = Server::start(move |_| Reply::status(status, body.clone()));
        let dir = tempfile::tempdir().expect("tempdir");
        let err = client(&server).fetch_all(&query(), dir.path(), |_| {}).expect_err(file);
        let Error::Api { page, errors, .. } = &err else { panic!("{file}: {err:?}") };
        assert_eq!((*page, errors.len()), (1, 1), "{file}");
        let msg = err.to_string();
        assert!(msg.contains("refused the query: ") && msg.ends_with(expect), "{file}: {msg}");
        assert_eq!(server.requests().len(), 1, "{file}: the same query gets the same answer");
        assert!(!dir.path().join("page-0001.json").exists(), "{file}: errors are not pages");
    }
}

#[test]
fn an_empty_result_is_one_empty_page() {
    let server = Server::start(|_| Reply::json(empty()));
    let dir = tempfile::tempdir().expect("tempdir");
    let report = client(&server).fetch_all(&query(), dir.path(), |_| {}).expect("fetch");
    assert_eq!((report.pages.len(), report.records, report.requests), (1, 0, 1));
    assert!(!report.truncated);
}

#[test]
fn the_shared_retry_loop_serves_nppes_too() {
    let server = Server::start(|seen| match (seen.param("skip"), seen.attempt) {
        (Some("0"), 1) => Reply::status(502, "Bad Gateway"),
        (Some("0"), _) => Reply::json(orgs()),
        _ => Reply::json(empty()),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut retried = Vec::new();
    let report = client(&server)
        .fetch_all(&query(), dir.path(), |p| {
            if let PageProgress::Retrying { page, reason, .. } = p {
                retried.push((page, reason));
            }
        })
        .expect("fetch");
    assert_eq!(retried, [(1, "HTTP 502".to_owned())]);
    assert_eq!((report.records, report.requests), (10, 3));
}

#[test]
fn fetch_page_returns_the_parsed_answer() {
    let server = Server::start(|_| Reply::json(orgs()));
    let page = client(&server).fetch_page(&query(), 3).expect("page");
    assert_eq!(page["result_count"], 10);
    assert_eq!(server.requests()[0].param("skip"), Some("20"));
}
