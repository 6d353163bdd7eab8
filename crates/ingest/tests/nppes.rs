//! NPPES NPI Registry responses (recorded real answers of API v2.1) -> listings.

use iop_core::id::stable_id;
use iop_core::{Attr, Listing};
use iop_ingest::nppes::{self, parse_response};
use iop_ingest::{Error, ProblemKind, SourceInfo};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/nppes_npi_registry/");

fn recorded(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn info() -> SourceInfo {
    nppes::source_info("2026-03-01")
}

fn by_npi<'a>(listings: &'a [Listing], npi: &str) -> &'a Listing {
    listings
        .iter()
        .find(|l| l.sources[0].record_id == npi)
        .unwrap_or_else(|| panic!("no listing for NPI {npi}"))
}

#[test]
fn organisations_become_listings() {
    let text = recorded("npi_api_v2.1_response_npi2_organizations_10.json");
    let parsed = parse_response(&text, &info()).expect("parses");
    let raw: Value = serde_json::from_str(&text).expect("JSON");
    let results = raw["results"].as_array().expect("results");
    assert_eq!(parsed.read, results.len());
    assert_eq!(parsed.listings.len(), results.len(), "all ten are active NPI-2 with a location");

    for (listing, result) in parsed.listings.iter().zip(results) {
        let npi = result["number"].to_string();
        assert_eq!(listing.id, stable_id("npi", &npi));
        assert_eq!(listing.sources.len(), 1);
        let source = &listing.sources[0];
        assert_eq!((source.name.as_str(), source.record_id.as_str()), ("nppes", npi.as_str()));
        assert_eq!(source.license.as_deref(), Some("Public domain (CMS NPPES)"));
        assert_eq!(source.retrieved.as_deref(), Some("2026-03-01"));
        assert_eq!(
            listing.last_verified.as_ref(),
            result["basic"]["last_updated"].as_str().map(str::to_owned).as_ref()
        );
        assert!(listing.location.is_none(), "placed later, from the ZIP");
        // The LOCATION address, not the mailing one.
        let location = result["addresses"]
            .as_array()
            .expect("addresses")
            .iter()
            .find(|a| a["address_purpose"] == "LOCATION")
            .expect("a location address");
        assert_eq!(listing.address.state.as_deref(), location["state"].as_str());
        let postal = location["postal_code"].as_str().expect("postal code");
        assert_eq!(listing.address.zip.as_deref(), Some(&postal[..5]));
        assert_eq!(
            listing.name.to_uppercase(),
            result["basic"]["organization_name"].as_str().expect("name").to_uppercase()
        );
        // Every taxonomy description is kept; none of these codes names a level of care.
        let descs: Vec<&str> = result["taxonomies"]
            .as_array()
            .expect("taxonomies")
            .iter()
            .map(|t| t["desc"].as_str().expect("desc"))
            .collect();
        assert_eq!(listing.services, descs);
        assert_eq!(listing.levels, Attr::Unknown);
        assert!(listing.medications.is_unknown());
    }

    // A 9-digit postal code is cut to its ZIP, the mailing address (Mableton) is not used.
    let csp = by_npi(&parsed.listings, "1568946812");
    assert_eq!(csp.name, "CSP Anesthesia LLC");
    assert_eq!(csp.address.street.as_deref(), Some("403 Permian Way Ste D"));
    assert_eq!(csp.address.city.as_deref(), Some("Villa Rica"));
    assert_eq!(csp.address.zip.as_deref(), Some("30180"));
    assert_eq!(csp.phones.main.as_deref(), Some("888-408-0200"));
    assert_eq!(csp.alt_name, None);

    // "Doing Business As" becomes the alternative name...
    let randell = by_npi(&parsed.listings, "1992885586");
    assert_eq!(randell.name, "Michael D. Randell, M.D., P.C.");
    assert_eq!(randell.alt_name.as_deref(), Some("Obgyn Atlanta"));
    // ... a "Former Legal Business Name" does not.
    let preferred = by_npi(&parsed.listings, "1598037822");
    assert_eq!(preferred.alt_name, None);

    // The registry's "#(770) 403-3124": the '#' goes (the validator would read it as an
    // extension marker and lose the number), and the repair is reported.
    let quarells = by_npi(&parsed.listings, "1386801454");
    assert_eq!(quarells.name, "Quarells Consulting, P.C.");
    assert_eq!(quarells.phones.main.as_deref(), Some("(770) 403-3124"));
    assert_eq!(iop_core::phone::normalize("(770) 403-3124").as_deref(), Ok("+17704033124"));
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    let p = &parsed.problems[0];
    assert_eq!(p.kind, ProblemKind::Repaired);
    assert_eq!((p.source.as_str(), p.field.as_str()), ("nppes", "addresses.telephone_number"));
    assert_eq!(
        p.record,
        1 + results.iter().position(|r| r["number"] == 1386801454).expect("record")
    );
}

#[test]
fn individuals_are_skipped_and_counted() {
    let text = recorded("npi_api_v2.1_response_npi1_individuals_10.json");
    let parsed = parse_response(&text, &info()).expect("parses");
    assert_eq!(parsed.read, 10);
    assert!(parsed.listings.is_empty());
    assert_eq!(parsed.problems.len(), 10);
    for (i, p) in parsed.problems.iter().enumerate() {
        assert_eq!(p.kind, ProblemKind::Rejected);
        assert_eq!(p.record, i + 1);
        assert_eq!(p.field, "enumeration_type");
        assert!(p.reason.contains("NPI-1"), "{}", p.reason);
    }
}

/// Taxonomies `(code, description)` given to a record, and the levels expected.
type Case = (&'static [(&'static str, &'static str)], &'static [&'static str]);

#[test]
fn sud_taxonomies_give_partial_levels_only_where_certain() {
    // The recorded answers hold no SUD facility (SOURCES.md: none was captured), so the real
    // single-organisation record is given SUD taxonomy codes; each entry is (codes, levels).
    let text = recorded("npi_api_v2.1_response_npi2_single_org.json");
    let cases: [Case; 5] = [
        (&[("261QM2800X", "Clinic/Center Methadone")], &["otp"]),
        (&[("324500000X", "Substance Abuse Rehabilitation Facility")], &["residential"]),
        (&[("276400000X", "Rehabilitation, Substance Use Disorder Unit")], &["hospital_inpatient"]),
        (&[("261QR0405X", "Clinic/Center Rehabilitation, Substance Use Disorder")], &[]),
        (
            &[
                ("261QR0405X", "Clinic/Center Rehabilitation, Substance Use Disorder"),
                ("261QM2800X", "Clinic/Center Methadone"),
            ],
            &["otp"],
        ),
    ];
    for (codes, levels) in cases {
        let mut value: Value = serde_json::from_str(&text).expect("JSON");
        value["results"][0]["taxonomies"] = codes
            .iter()
            .map(|(code, desc)| serde_json::json!({"code": code, "desc": desc, "primary": true}))
            .collect();
        let parsed = parse_response(&value.to_string(), &info()).expect("parses");
        let listing = &parsed.listings[0];
        assert_eq!(listing.levels, Attr::partial(levels.iter().copied()), "{codes:?}");
        assert!(!listing.levels.is_known(), "a taxonomy never describes every level");
        assert!(listing.medications.is_unknown(), "{codes:?}");
        let descs: Vec<&str> = codes.iter().map(|(_, d)| *d).collect();
        assert_eq!(listing.services, descs);
    }
}

#[test]
fn an_empty_result_is_empty() {
    let parsed =
        parse_response(&recorded("npi_api_v2.1_response_empty.json"), &info()).expect("parses");
    assert_eq!((parsed.read, parsed.listings.len(), parsed.problems.len()), (0, 0, 0));
}

#[test]
fn error_answers_and_bad_text_are_clear_errors() {
    let cases = [
        (
            recorded("npi_api_v2.1_error_enumeration_type_only.json"),
            "enumeration_type: enumeration_type requires additional search criteria",
        ),
        (
            recorded("npi_api_v2.1_error_no_criteria.json"),
            "generic: No valid search criteria provided",
        ),
        ("<html>Service Unavailable</html>".to_owned(), "invalid JSON"),
        (r#"{"result_count": 0}"#.to_owned(), "no \"results\""),
    ];
    for (text, expect) in cases {
        let err = parse_response(&text, &info()).expect_err(expect);
        assert!(matches!(err, Error::Format { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with("<nppes response>: ") && msg.contains(expect), "{msg}");
    }
}

#[test]
fn a_saved_page_is_parsed_with_its_path_in_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("page-0001.json");
    std::fs::write(&good, recorded("npi_api_v2.1_response_npi2_single_org.json")).expect("write");
    let parsed = nppes::parse_file(&good, &info()).expect("parses");
    assert_eq!(parsed.listings.len(), 1);
    let bad = dir.path().join("page-0002.json");
    std::fs::write(&bad, "{\"results\": [").expect("write");
    let msg = nppes::parse_file(&bad, &info()).expect_err("cut short").to_string();
    assert!(msg.starts_with(&bad.display().to_string()), "{msg}");
    let missing = dir.path().join("page-0003.json");
    assert!(matches!(nppes::parse_file(&missing, &info()), Err(Error::Read { .. })));
}
