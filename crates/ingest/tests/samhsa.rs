//! The SAMHSA vocabulary mapping and the SAMHSA-shaped parsers, on the real files.
//!
//! Parsed files are the copies shipped in `data/samhsa/`; the vocabulary is checked against the
//! observed names and codes in `../shared/data/samhsa_service_codes/`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use iop_core::id::stable_id;
use iop_core::listing::Tri;
use iop_core::vocabulary::normalize_name;
use iop_core::{Attr, Group, Listing, SamhsaVocabulary};
use iop_ingest::services::attested_category;
use iop_ingest::{ProblemKind, ca2025, findtreatment, locator2018};
use serde_json::Value;

fn shipped(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/samhsa").join(file)
}

fn shared(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(file)
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).expect("shared csv readable");
    rdr.deserialize().map(|r| r.expect("csv row")).collect()
}

fn targets(name_or_code: &str, by_code: bool) -> Vec<String> {
    let v = SamhsaVocabulary::get();
    let e = if by_code { v.by_code(name_or_code) } else { v.by_name(name_or_code) };
    let e = e.unwrap_or_else(|| panic!("{name_or_code:?} is not in samhsa.csv"));
    e.targets.iter().map(|(g, v)| format!("{g}:{v}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

#[test]
fn every_service_code_row_resolves_by_code_and_by_name() {
    let v = SamhsaVocabulary::get();
    let rows = csv_rows(&shared("samhsa_service_codes/service_codes.csv"));
    assert_eq!(rows.len(), 289, "service_codes.csv changed");
    let mut missing = Vec::new();
    for r in &rows {
        if v.by_code(&r["service_code"]).is_none() {
            missing.push(format!("code {}", r["service_code"]));
        }
        if v.by_name(&r["service_name"]).is_none() {
            missing.push(format!("name {:?} ({})", r["service_name"], r["service_code"]));
        }
    }
    assert!(missing.is_empty(), "not in data/vocabulary/samhsa.csv: {missing:#?}");
}

#[test]
fn every_observed_service_name_resolves() {
    let v = SamhsaVocabulary::get();
    let rows = csv_rows(&shared("samhsa_service_codes/service_names_observed.csv"));
    assert_eq!(rows.len(), 538, "service_names_observed.csv changed");
    let missing: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["service_name"].as_str())
        .filter(|n| v.by_name(n).is_none())
        .collect();
    assert!(missing.is_empty(), "observed names not in data/vocabulary/samhsa.csv: {missing:#?}");
}

#[test]
fn rows_sharing_a_code_or_a_name_mean_the_same() {
    // by_code and by_name return the first row; a later row that disagreed would be dead data.
    let v = SamhsaVocabulary::get();
    let mut by_code: BTreeMap<&str, &Vec<(Group, String)>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, &Vec<(Group, String)>> = BTreeMap::new();
    let mut clashes = Vec::new();
    for e in v.entries() {
        if let Some(code) = &e.code
            && let Some(first) = by_code.insert(code, &e.targets)
            && first != &e.targets
        {
            clashes.push(format!("code {code}: {first:?} vs {:?}", e.targets));
        }
        if let Some(first) = by_name.insert(normalize_name(&e.name), &e.targets)
            && first != &e.targets
        {
            clashes.push(format!("name {:?}: {first:?} vs {:?}", e.name, e.targets));
        }
    }
    assert!(clashes.is_empty(), "{clashes:#?}");
}

#[test]
fn spot_checks() {
    assert_eq!(targets("OIT", true), ["level:iop"]);
    assert_eq!(targets("ODT", true), ["level:php"]);
    assert_eq!(targets("Cognitive behavioral therapy", false), ["modality:cbt"]);
    assert_eq!(targets("Cognitive/behavioral therapy", false), ["modality:cbt"]);
    assert_eq!(targets("Medicaid", false), ["payment:medicaid"]);
    assert_eq!(targets("Spanish", false), ["language:es"]);
    assert_eq!(targets("F17", true), ["language:zh"]);
    assert_eq!(
        targets("Buprenorphine with naloxone (Suboxone®)", false),
        ["medication:buprenorphine"]
    );
    assert_eq!(targets("VTRL", true), ["medication:naltrexone"]);
    assert_eq!(targets("TELE", true), ["schedule:virtual"]);
    assert_eq!(targets("Telemedicine/telehealth", false), ["schedule:virtual"]);
    assert_eq!(
        targets("Services for the deaf and hard of hearing", false),
        ["population:deaf_hoh", "language:asl"]
    );
    assert_eq!(targets("HID", true), ["level:hospital_inpatient", "level:detox"]);
    assert_eq!(targets("MM", true), ["level:otp", "medication:methadone"]);
    // Known services that are deliberately not filter values.
    assert!(targets("Smoking not permitted", false).is_empty());
    assert!(targets("UBN", true).is_empty(), "buprenorphine AND/OR naltrexone: cannot say which");
}

#[test]
fn mapping_coverage_numbers() {
    let v = SamhsaVocabulary::get();
    let entries = v.entries();
    let codes: HashSet<&str> = entries.iter().filter_map(|e| e.code.as_deref()).collect();
    let empty = entries.iter().filter(|e| e.targets.is_empty()).count();
    // 289 code rows minus identical (code, wording) repeats, plus the observed wordings.
    assert_eq!(codes.len(), 244);
    assert_eq!(entries.len(), 397);
    assert_eq!(empty, 209);
}

#[test]
fn categories_cover_every_observed_and_reference_category() {
    let v = SamhsaVocabulary::get();
    let text = include_str!("../../../data/vocabulary/samhsa_categories.csv");
    let listed: HashSet<String> =
        text.lines().skip(1).filter_map(|l| l.split(',').next()).map(str::to_owned).collect();
    let observed = csv_rows(&shared("samhsa_service_codes/api_service_categories_observed.csv"));
    let reference = csv_rows(&shipped("service_code_reference_2018.csv"));
    for c in observed
        .iter()
        .map(|r| &r["f2_category_code"])
        .chain(reference.iter().map(|r| &r["category_code"]))
    {
        assert!(listed.contains(c), "category {c} missing from samhsa_categories.csv");
    }
    assert_eq!(v.category_groups("SET"), [Group::Level]);
    assert_eq!(v.category_groups("PAY"), [Group::Payment]);
    assert_eq!(v.category_groups("PHR"), [Group::Medication]);
    assert_eq!(v.category_groups("OL"), [Group::Language]);
    // Neither lists a whole group: a record without PAY says nothing about Medicaid.
    assert!(v.category_groups("PYAS").is_empty());
    assert!(v.category_groups("AGE").is_empty());
}

#[test]
fn attested_categories_agree_with_real_records() {
    // The category evidence used for the 2025 file must never contradict a real record.
    let observed = csv_rows(&shared("samhsa_service_codes/service_names_observed.csv"));
    let v = SamhsaVocabulary::get();
    let mut wrong = Vec::new();
    for r in observed.iter().filter(|r| !r["f2_category_code"].is_empty()) {
        let seen = r["f2_category_code"].as_str();
        if let Some(cat) = attested_category(&r["service_name"])
            && v.category_groups(cat) != v.category_groups(seen)
        {
            wrong.push(format!("{:?}: table says {cat}, a record says {seen}", r["service_name"]));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

// ---------------------------------------------------------------------------------------------
// FindTreatment.gov API

fn ft_page(i: usize) -> findtreatment::Page {
    let (file, retrieved) = findtreatment::SHIPPED[i];
    findtreatment::parse_file(&shipped(file), &findtreatment::source_info(retrieved))
        .expect("shipped response parses")
}

fn by_frid<'a>(listings: &'a [Listing], frid: &str) -> &'a Listing {
    listings
        .iter()
        .find(|l| l.sources[0].record_id == frid)
        .unwrap_or_else(|| panic!("no listing with frid {frid}"))
}

const REGION_TEN_IOP: &str = "39d6ca2b067e9d7bb435d81d51b2c7876939f82b9c92612142d4239277b3d5e6";

#[test]
fn findtreatment_counts_and_page_fields() {
    let p = ft_page(0);
    assert_eq!((p.page, p.total_pages, p.record_count), (Some(1), Some(765), Some(22949)));
    assert_eq!((p.parsed.read, p.parsed.listings.len()), (30, 30));
    let p = ft_page(1);
    assert_eq!((p.page, p.total_pages, p.record_count), (None, None, None));
    assert_eq!((p.parsed.read, p.parsed.listings.len()), (25, 25));
    let p = ft_page(2);
    assert_eq!((p.page, p.total_pages, p.record_count), (Some(2), Some(2), Some(31)));
    assert_eq!((p.parsed.read, p.parsed.listings.len()), (2, 2));
}

#[test]
fn shipped_files_parse_with_their_own_dates() {
    for (file, retrieved) in findtreatment::SHIPPED {
        let p = findtreatment::parse(&shipped(file)).expect("shipped response parses");
        assert!(p.listings.iter().all(|l| l.last_verified.as_deref() == Some(retrieved)), "{file}");
    }
}

#[test]
fn findtreatment_real_files_map_every_service() {
    for i in 0..3 {
        let p = ft_page(i);
        assert!(
            p.parsed.problems.is_empty(),
            "{}: {:#?}",
            findtreatment::SHIPPED[i].0,
            p.parsed.problems
        );
        let ids: HashSet<&str> = p.parsed.listings.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids.len(), p.parsed.listings.len(), "ids unique within a page");
    }
}

#[test]
fn region_ten_charlottesville_iop() {
    let p = ft_page(0);
    let l = by_frid(&p.parsed.listings, REGION_TEN_IOP);
    assert_eq!(l.name, "Region Ten Community Services Board");
    assert_eq!(l.alt_name, None, "name2 \"\" is no alt name");
    assert_eq!(l.id, stable_id("ft", REGION_TEN_IOP));
    assert_eq!(l.address.street.as_deref(), Some("800 Preston Avenue"));
    assert_eq!(l.address.street2.as_deref(), Some("Peterson Building"));
    assert_eq!(l.address.zip.as_deref(), Some("22903"));
    let loc = l.location.expect("string coordinates parsed");
    assert_eq!((loc.lat, loc.lon), (38.0364492, -78.4888244));
    assert_eq!(l.phones.main.as_deref(), Some("434-972-1800"), "raw; the validator normalises");
    assert_eq!(l.phones.intake, None, "intake1 null");
    assert_eq!(l.website.as_deref(), Some("http://www.regionten.org"));
    assert_eq!(l.sources[0].name, "samhsa-findtreatment");
    assert_eq!(l.sources[0].retrieved.as_deref(), Some("2019-05-30"));
    assert_eq!(l.last_verified.as_deref(), Some("2019-05-30"));

    assert_eq!(l.has(Group::Level, "iop"), Tri::Yes);
    assert_eq!(l.levels, Attr::known(["iop", "op"]), "SET lists every setting");
    assert_eq!(l.has(Group::Level, "residential"), Tri::No);
    assert_eq!(l.has(Group::Modality, "cbt"), Tri::Yes);
    assert_eq!(l.has(Group::Modality, "dbt"), Tri::Yes);
    assert_eq!(l.has(Group::Payment, "medicaid"), Tri::Yes);
    assert_eq!(l.has(Group::Payment, "medicare"), Tri::No, "PAY is a complete list");
    assert_eq!(l.has(Group::Language, "es"), Tri::Yes);
    assert_eq!(l.has(Group::Language, "en"), Tri::Yes);
    assert_eq!(l.has(Group::Language, "asl"), Tri::Yes);
    assert_eq!(l.has(Group::Language, "zh"), Tri::No);
    assert_eq!(l.has(Group::Medication, "buprenorphine"), Tri::Yes);
    // Nothing says when it meets: unknown, not "no".
    assert_eq!(l.unknown_groups(), [Group::Schedule]);
    assert_eq!(l.has(Group::Schedule, "evening"), Tri::Unknown);
    // Populations come from lists that are not complete: named ones hold, others are unknown.
    assert_eq!(l.incomplete_groups(), [Group::Population]);
    assert_eq!(l.has(Group::Population, "women"), Tri::Yes);
    assert_eq!(l.has(Group::Population, "deaf_hoh"), Tri::Yes);
    assert_eq!(l.has(Group::Population, "veterans"), Tri::Unknown);
    assert!(l.services.iter().any(|s| s == "Intensive outpatient treatment"));
    assert!(l.services.iter().any(|s| s == "Smoking not permitted"), "raw names all kept");
}

#[test]
fn telehealth_setting_makes_schedule_virtual() {
    let p = ft_page(0);
    let virtual_ones: Vec<&Listing> = p
        .parsed
        .listings
        .iter()
        .filter(|l| l.has(Group::Schedule, "virtual") == Tri::Yes)
        .collect();
    assert!(!virtual_ones.is_empty());
    for l in virtual_ones {
        assert!(
            l.services
                .iter()
                .any(|s| s.starts_with("Telemedicine") || s.starts_with("Computerized")),
            "{} is virtual without a telehealth service",
            l.name
        );
        assert_eq!(l.has(Group::Schedule, "evening"), Tri::Unknown);
    }
}

fn page_json() -> Value {
    let text = std::fs::read_to_string(shipped(findtreatment::SHIPPED[0].0)).expect("shipped");
    serde_json::from_str(&text).expect("json")
}

fn drop_categories(row: &mut Value, drop: &[&str]) {
    row["services"]
        .as_array_mut()
        .expect("services")
        .retain(|s| !drop.contains(&s["f2"].as_str().unwrap_or_default()));
}

#[test]
fn record_without_pay_has_unknown_payments() {
    let info = findtreatment::source_info("2019-05-30");
    let mut json = page_json();
    let rows = json["rows"].as_array_mut().expect("rows");
    rows.retain(|r| r["frid"] == REGION_TEN_IOP);
    drop_categories(&mut rows[0], &["PAY"]);
    let p = findtreatment::parse_response(&json.to_string(), &info).expect("parses");
    let l = &p.parsed.listings[0];
    // Sliding fee (PYAS) still holds; Medicaid is no longer known either way.
    assert_eq!(l.payments, Attr::partial(["sliding_scale"]));
    assert_eq!(l.has(Group::Payment, "medicaid"), Tri::Unknown);

    drop_categories(&mut json["rows"][0], &["PYAS"]);
    let p = findtreatment::parse_response(&json.to_string(), &info).expect("parses");
    let l = &p.parsed.listings[0];
    assert_eq!(l.payments, Attr::Unknown, "no PAY is unknown, not an empty known list");
    assert!(l.unknown_groups().contains(&Group::Payment));
    assert_eq!(l.levels, Attr::known(["iop", "op"]), "other groups untouched");
}

#[test]
fn pay_without_filter_values_is_a_known_no() {
    // Region Ten, Fluvanna County Office: PAY lists only government funding and cash.
    let p = ft_page(0);
    let l = by_frid(
        &p.parsed.listings,
        "41d91d4dcf132ce736aba88c9b8cc2386b5b3b24fa747b424f558f5088d946fa",
    );
    assert_eq!(l.payments, Attr::known(["self_pay", "sliding_scale"]));
    assert_eq!(l.has(Group::Payment, "medicaid"), Tri::No);
    // OT says "Do not use medication for opioid addiction" and PHR lists only psychiatric drugs.
    assert_eq!(l.medications, Attr::Known(BTreeSet::new()));
    assert_eq!(l.has(Group::Modality, "medication_management"), Tri::Yes);
}

#[test]
fn doc_sample_2025_without_frid() {
    let p = ft_page(2);
    let l = &p.parsed.listings[1];
    assert_eq!(l.name, "Garrett County Health Department");
    assert_eq!(l.id, stable_id("ft", "garrett county health department|1025 memorial drive|21550"));
    assert_eq!(l.phones.main.as_deref(), Some("(301) 334-7670"));
    assert_eq!(l.website.as_deref(), Some("www.garretthealth.org"));
    assert_eq!(l.sources[0].retrieved.as_deref(), Some("2025-01-15"));
    // "Intensive Outpatient treatment" (capital O in 2025) still maps.
    assert_eq!(l.levels, Attr::known(["iop", "op"]));
    assert_eq!(l.has(Group::Schedule, "virtual"), Tri::Yes, "Computerized treatment");
    assert_eq!(l.languages, Attr::known(["asl", "en"]), "Services for the hearing-impaired");
    assert_eq!(l.has(Group::Population, "criminal_justice"), Tri::Yes);
    // No TAP/EDU, no PHR: nothing known about therapies or medications.
    assert_eq!(l.modalities, Attr::Unknown);
    assert_eq!(l.medications, Attr::Unknown);
    let mh = &p.parsed.listings[0];
    assert_eq!(mh.payments, Attr::known(["medicaid"]));
    assert_eq!(mh.levels, Attr::known(["residential"]));
}

#[test]
fn unmapped_names_are_reported_not_dropped() {
    let info = findtreatment::source_info("2019-05-30");
    let mut json = page_json();
    let rows = json["rows"].as_array_mut().expect("rows");
    rows.truncate(4);
    rows[3]["services"].as_array_mut().expect("services").push(serde_json::json!({
        "f1": "Treatment Approaches", "f2": "TAP", "f3": "Cognitive behavioral therapy; Equine-assisted therapy"
    }));
    let p = findtreatment::parse_response(&json.to_string(), &info).expect("parses");
    assert_eq!(p.parsed.problems.len(), 1, "{:#?}", p.parsed.problems);
    let problem = &p.parsed.problems[0];
    assert_eq!(problem.kind, ProblemKind::Unmapped);
    assert_eq!((problem.record, problem.field.as_str()), (4, "services[TAP]"));
    assert!(problem.reason.contains("Equine-assisted therapy"), "{problem}");
    let l = &p.parsed.listings[3];
    assert!(l.services.iter().any(|s| s == "Equine-assisted therapy"), "kept as raw text");
    assert_eq!(l.has(Group::Modality, "cbt"), Tri::Yes);
}

#[test]
fn malformed_responses_are_clear_errors() {
    let info = findtreatment::source_info("2025-01-01");
    let err = |text: &str| {
        findtreatment::parse_response(text, &info).expect_err("must not parse").to_string()
    };
    let e = err("{\"page\": 1, \"rows\": [");
    assert!(e.contains("invalid JSON") && e.contains("line 1"), "{e}");
    let e = err("<html>502 Bad Gateway</html>");
    assert!(e.contains("invalid JSON"), "{e}");
    let e = err("{\"page\": 1, \"error\": \"rate limited\"}");
    assert!(e.contains("no \"rows\" array") && e.contains("error, page"), "{e}");
    let e = err("{\"rows\": {}}");
    assert!(e.contains("\"rows\" is an object, not an array"), "{e}");
    let e = err("[1, 2]");
    assert!(e.contains("expected a JSON object"), "{e}");
    // A missing file names the path.
    let missing = shipped("no_such_response.json");
    let e = findtreatment::parse_with(&missing, &info).expect_err("missing").to_string();
    assert!(e.contains("no_such_response.json"), "{e}");
    // A file whose retrieval date is not known is refused rather than stamped with a guess.
    let e = findtreatment::parse(&shipped("service_code_reference_2018.csv"))
        .expect_err("unknown date")
        .to_string();
    assert!(e.contains("no retrieval date"), "{e}");
}

#[test]
fn sparse_and_odd_rows_are_tolerated_or_reported() {
    let info = findtreatment::source_info("2025-01-01");
    let text = r#"{"rows": [
        {"name1": "Only A Name"},
        {"name1": "Numeric Coordinates", "latitude": 38.03, "longitude": -78.48, "zip": 22902,
         "services": null},
        {"name1": "Bad Coordinates", "latitude": "N/A", "longitude": "-78.4"},
        {"name2": "No Name1"},
        "not a row"
    ]}"#;
    let p = findtreatment::parse_response(text, &info).expect("parses");
    assert_eq!(p.parsed.read, 5);
    assert_eq!(p.parsed.listings.len(), 3);
    let only = &p.parsed.listings[0];
    assert_eq!(only.unknown_groups(), Group::ALL, "no services: every group unknown");
    assert!(only.location.is_none());
    let numeric = &p.parsed.listings[1];
    assert_eq!(numeric.address.zip.as_deref(), Some("22902"));
    assert!(numeric.location.is_some());
    assert!(p.parsed.listings[2].location.is_none());
    let kinds: Vec<(ProblemKind, usize, &str)> =
        p.parsed.problems.iter().map(|p| (p.kind, p.record, p.field.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (ProblemKind::Repaired, 3, "latitude,longitude"),
            (ProblemKind::Rejected, 4, "name1"),
            (ProblemKind::Rejected, 5, "rows"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 2018 locator export

#[test]
fn locator_2018_wide_row() {
    let p = locator2018::parse(&shipped("locator_facilities_with_service_detail_sample.csv"))
        .expect("parses");
    assert_eq!((p.read, p.listings.len()), (1, 1));
    assert!(p.problems.is_empty(), "{:#?}", p.problems);
    let l = &p.listings[0];
    assert_eq!(l.name, "Worcester County Health Department");
    assert_eq!(l.alt_name.as_deref(), Some("Pocomoke Health Center"));
    assert_eq!(l.address.zip.as_deref(), Some("21851"));
    assert_eq!(l.phones.main.as_deref(), Some("410-957-2005"));
    assert_eq!(l.phones.intake.as_deref(), Some("410-632-1100"), "intake2 when intake1 is empty");
    assert_eq!(l.last_verified.as_deref(), Some("2018-01-23"), "last_update wins");
    assert_eq!(l.sources[0].name, "samhsa-locator-2018");
    assert!(l.location.is_some());
    // op + ort + ct: outpatient only, with computerized treatment.
    assert_eq!(l.levels, Attr::known(["op"]));
    assert_eq!(l.has(Group::Level, "iop"), Tri::No);
    assert_eq!(l.has(Group::Schedule, "virtual"), Tri::Yes);
    assert_eq!(l.has(Group::Modality, "cbt"), Tri::Yes);
    assert_eq!(l.has(Group::Modality, "dbt"), Tri::No);
    assert_eq!(l.has(Group::Payment, "medicaid"), Tri::Yes);
    assert_eq!(l.has(Group::Payment, "va"), Tri::No);
    assert_eq!(l.languages, Attr::known(["asl", "en"]));
    assert!(matches!(l.populations, Attr::Partial(_)));
    assert_eq!(l.has(Group::Population, "adolescents"), Tri::Yes);
    // Services are shown in SAMHSA's wording, not as codes.
    assert!(l.services.iter().any(|s| s == "Cognitive/behavioral therapy"));
    assert!(!l.services.iter().any(|s| s == "CBT"));
}

#[test]
fn locator_2018_unknown_code_is_reported() {
    // `fpsy` is a real column of the export that the code reference does not define.
    let text =
        std::fs::read_to_string(shipped("locator_facilities_with_service_detail_sample.csv"))
            .expect("shipped");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("headers").clone();
    let fpsy = headers.iter().position(|h| h == "fpsy").expect("fpsy column");
    let mut row: Vec<String> =
        rdr.records().next().expect("row").expect("row").iter().map(str::to_owned).collect();
    row[fpsy] = "1".to_owned();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).expect("write");
    out.write_record(&row).expect("write");
    let modified = out.into_inner().expect("csv");
    let reference = std::fs::read(shipped("service_code_reference_2018.csv")).expect("shipped");
    let p = locator2018::parse_reader(
        modified.as_slice(),
        reference.as_slice(),
        Path::new("modified.csv"),
        &locator2018::source_info(),
    )
    .expect("parses");
    assert_eq!(p.problems.len(), 1, "{:#?}", p.problems);
    assert_eq!(p.problems[0].kind, ProblemKind::Unmapped);
    assert!(p.problems[0].reason.contains("FPSY"), "{}", p.problems[0]);
    assert!(p.listings[0].services.iter().any(|s| s == "FPSY"));
}

#[test]
fn locator_2018_bad_input_errors() {
    let reference = std::fs::read(shipped("service_code_reference_2018.csv")).expect("shipped");
    let e = locator2018::parse_reader(
        "a,b\n1,2\n".as_bytes(),
        reference.as_slice(),
        Path::new("x.csv"),
        &locator2018::source_info(),
    )
    .expect_err("no name1")
    .to_string();
    assert!(e.contains("x.csv") && e.contains("name1"), "{e}");
    let e = locator2018::parse(&shipped("no_such_export.csv")).expect_err("missing").to_string();
    assert!(e.contains("no_such_export.csv") || e.contains(locator2018::REFERENCE_FILE), "{e}");
}

// ---------------------------------------------------------------------------------------------
// 2025 California file

fn raw_ca() -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(shipped(ca2025::SHIPPED)).expect("shipped"))
        .read_to_string(&mut text)
        .expect("gzip");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn ca_2025_counts_and_folds() {
    let p = ca2025::parse(&shipped(ca2025::SHIPPED)).expect("parses");
    assert_eq!(p.read, 478);
    let folds: Vec<_> = p
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Repaired && p.reason.starts_with(ca2025::FOLD_REASON))
        .collect();
    assert_eq!(folds.len(), 8);
    assert_eq!(p.listings.len(), 478 - 8);
    assert_eq!(p.problems.len(), 8, "every 2025 name is mapped: {:#?}", p.problems);
    let ids: HashSet<&str> = p.listings.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), p.listings.len(), "ids unique although names repeat within a ZIP");
    for l in &p.listings {
        assert_eq!(l.sources[0].retrieved.as_deref(), Some("2025-08-27"));
        assert_eq!(l.address.state.as_deref(), Some("CA"));
    }
}

#[test]
fn ca_2025_fold_unions_services() {
    let raw = raw_ca();
    let p = ca2025::parse(&shipped(ca2025::SHIPPED)).expect("parses");
    // Every fold: the kept listing holds every name of every record folded into it.
    for (name, lat) in [("Choices in Recovery Center", "33.1972"), ("Rylist Inc", "34.1929")] {
        let records: Vec<&Value> =
            raw.iter().filter(|r| r["name"] == name && r["latitude"] == lat).collect();
        assert!(records.len() >= 2);
        let listing = p
            .listings
            .iter()
            .find(|l| {
                l.name == name
                    && l.location
                        .is_some_and(|g| (g.lat - lat.parse::<f64>().expect("lat")).abs() < 1e-9)
            })
            .expect("kept");
        for r in records {
            for n in r["all_services"].as_str().expect("all_services").split(';') {
                assert!(listing.services.iter().any(|s| s == n.trim()), "{name}: lost {n:?}");
            }
        }
    }
}

#[test]
fn ca_2025_iop_count_matches_the_raw_names() {
    let raw = raw_ca();
    let mut with_iop = HashSet::new();
    for r in &raw {
        if r["all_services"].as_str().unwrap_or_default().contains("Intensive outpatient treatment")
        {
            with_iop.insert((
                r["name"].to_string(),
                r["latitude"].to_string(),
                r["longitude"].to_string(),
            ));
        }
    }
    let p = ca2025::parse(&shipped(ca2025::SHIPPED)).expect("parses");
    let iop = p.listings.iter().filter(|l| l.has(Group::Level, "iop") == Tri::Yes).count();
    assert_eq!(iop, with_iop.len());
    assert!(iop >= 60, "SOURCES.md: 68 records name IOP");
}

#[test]
fn ca_2025_completeness_only_from_attested_categories() {
    let p = ca2025::parse(&shipped(ca2025::SHIPPED)).expect("parses");
    let varp = p
        .listings
        .iter()
        .find(|l| {
            l.name == "Veterans Alcoholic Rehab Prog (VARP)"
                && l.address.zip.as_deref() == Some("92225")
        })
        .expect("VARP Blythe");
    // "Long-term residential" was seen under SET: settings are complete.
    assert!(varp.levels.is_known());
    assert_eq!(varp.has(Group::Level, "residential"), Tri::Yes);
    assert_eq!(varp.has(Group::Level, "iop"), Tri::No);
    // "Medicaid" was seen under PAY.
    assert_eq!(varp.has(Group::Payment, "medicaid"), Tri::Yes);
    assert_eq!(varp.has(Group::Payment, "medicare"), Tri::No);
    assert_eq!(varp.has(Group::Modality, "cbt"), Tri::Yes);
    assert_eq!(varp.has(Group::Schedule, "virtual"), Tri::Yes, "Telemedicine/telehealth therapy");
    assert!(matches!(varp.populations, Attr::Partial(_)));
    // No record's categories survive, so a group is never known without evidence.
    for l in &p.listings {
        if l.payments.is_known() {
            assert!(l.services.iter().any(|s| attested_category(s) == Some("PAY")), "{}", l.name);
        }
    }
}

#[test]
fn ca_2025_bad_input_errors() {
    let info = ca2025::source_info();
    let e = ca2025::parse_str("{\"rows\": []}", &info).expect_err("object").to_string();
    assert!(e.contains("expected a JSON array"), "{e}");
    let e = ca2025::parse_str("[{\"name\": ", &info).expect_err("truncated").to_string();
    assert!(e.contains("invalid JSON"), "{e}");
    let p = ca2025::parse_str(r#"[{"city": "Indio"}, 3]"#, &info).expect("parses");
    assert_eq!(p.listings.len(), 0);
    assert_eq!(p.problems.iter().filter(|p| p.kind == ProblemKind::Rejected).count(), 2);
}
