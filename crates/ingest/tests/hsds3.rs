//! Open Referral HSDS 3.0 input through the whole pipeline, and program sheets applied whatever
//! the sources. The HSDS 3.0 files are Open Referral's own examples (`tests/fixtures/hsds3`,
//! copied from the shared data folder: real format, fictional placeholder content).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_core::listing::Tri;
use iop_core::{SessionFormat, SessionKind, Weekday};
use iop_geo::Geocoder;
use iop_ingest::pipeline::{HSDS3_SOURCE, SourceFile, SourceKind};
use iop_ingest::{Error, Ingest, IngestOptions, ProblemKind, ingest, ingest_with_sheets};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data_dir() -> PathBuf {
    root().join("data")
}

fn example(name: &str) -> PathBuf {
    root().join("tests/fixtures/hsds3").join(name)
}

fn geo() -> &'static Geocoder {
    static GEO: OnceLock<Geocoder> = OnceLock::new();
    GEO.get_or_init(|| Geocoder::load(&data_dir()).expect("the shipped geo data loads"))
}

fn run(sources: Vec<PathBuf>) -> Result<Ingest, Error> {
    ingest(&IngestOptions { data_dir: data_dir(), sources, progress: false }, geo())
}

/// Every problem as `kind | source | record | field | reason`.
fn problems(run: &Ingest) -> Vec<String> {
    run.summary
        .problems
        .iter()
        .map(|p| format!("{:?} | {} | {} | {} | {}", p.kind, p.source, p.record, p.field, p.reason))
        .collect()
}

fn kind(path: &Path) -> Option<SourceKind> {
    SourceFile::detect(path).expect("readable").map(|s| s.kind)
}

#[test]
fn hsds3_json_and_tabular_packages_are_told_by_content() {
    for file in ["service_full.json", "service_list.json", "organization_full.json"] {
        assert_eq!(kind(&example(file)), Some(SourceKind::Hsds3Json), "{file}");
    }
    // The tabular example carries a datapackage.json like the Miami package, but plain CSV.
    assert_eq!(kind(&example("csv")), Some(SourceKind::Hsds3Tabular));
    assert_eq!(kind(&data_dir().join("miami211")), Some(SourceKind::HsdsMiami));
    // Other JSON keeps its kind: a FindTreatment.gov page, the 2025 California array.
    let samhsa = data_dir().join("samhsa");
    assert_eq!(
        kind(&samhsa.join("api_response_page1_charlottesville_va_2019.json")),
        Some(SourceKind::FindTreatment)
    );
    assert_eq!(
        kind(&samhsa.join("residential_facilities_ca_2025.json.gz")),
        Some(SourceKind::FindTreatment2025Ca)
    );
    // HSDS 3.0 documents that hold no service are no listing source: a location alone, a page
    // of taxonomies, the API's root document.
    for file in ["location.json", "taxonomy_list.json", "base.json"] {
        assert_eq!(kind(&example(file)), None, "{file}");
    }
    let e = run(vec![example("location.json")]).unwrap_err().to_string();
    assert!(e.contains("location.json: not a known listing source"), "{e}");
    assert!(e.contains("HSDS 3.0"), "{e}");
}

#[test]
fn hsds3_examples_go_through_with_their_placeholders_reported() {
    // One service (the Open Referral example) in four shapes: a service, a page of services,
    // an organization with its services, and the tabular package.
    for (file, at) in [
        ("service_full.json", "service_at_locations[0].location."),
        ("organization_full.json", "services[0].service_at_locations[0].location."),
        ("csv", ""),
    ] {
        let run = run(vec![example(file)]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let row = &run.summary.sources[0];
        assert_eq!(row.source, HSDS3_SOURCE, "{file}");
        assert_eq!((row.read, row.rejected, row.listings), (1, 1, 0), "{file}");
        let p = problems(&run);
        let has = |needle: &str| p.iter().any(|x| x.contains(needle));
        // The reader's repairs, with the field where the value was...
        let (lat, state) = if at.is_empty() {
            ("locations.csv line 2: latitude".into(), "addresses.csv line 2: state_province".into())
        } else {
            (format!("{at}latitude"), format!("{at}addresses[0].state_province"))
        };
        assert!(
            has(&format!(
                "Repaired | hsds3 | 1 | {lat} | latitude 100, longitude 101 is not a point on \
                 earth; dropped"
            )),
            "{file}: {p:#?}"
        );
        assert!(
            has(&format!("Repaired | hsds3 | 1 | {state} | state \"MYSTATE\" is not a US state")),
            "{file}: {p:#?}"
        );
        assert!(has("phones.number | \"+44 1234 234567\" does not have 10 digits"), "{p:#?}");
        assert!(has("byweekno 41,42 limits it to some weeks or days"), "{file}: {p:#?}");
        // ...and validation's verdict on the same record: nowhere in the US to put it.
        assert!(
            has("Rejected | hsds3 | 1 | location | cannot be placed: no usable coordinates"),
            "{file}: {p:#?}"
        );
    }
    let run = run(vec![example("service_list.json")]).unwrap();
    assert_eq!(run.summary.sources[0].rejected, 1);
    assert!(run.listings.is_empty());
}

/// The example service with its placeholders replaced by a real Miami address and its one
/// schedule made plainly weekly (no `byweekno`, no expiry), as an HSDS 3.0 publisher in the US
/// would write it. A TEST INPUT, written to a temp folder only.
fn usable_service(id: &str) -> Value {
    let text = std::fs::read_to_string(example("service_full.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["id"] = json!(id);
    let loc = &mut doc["service_at_locations"][0]["location"];
    for k in ["latitude", "longitude"] {
        loc.as_object_mut().unwrap().remove(k);
    }
    loc["schedules"] = json!([]);
    let address = &mut loc["addresses"][0];
    address["city"] = json!("Miami");
    address["state_province"] = json!("FL");
    address["postal_code"] = json!("33130");
    address["country"] = json!("US");
    doc["service_at_locations"][0]["schedules"] = json!([]);
    let weekly = json!({
        "id": format!("{id}-evening"),
        "freq": "WEEKLY",
        "byday": "TU,TH,SA",
        "opens_at": "18:00",
        "closes_at": "21:00",
        "description": "Evening group",
        "attending_type": "online",
    });
    doc["schedules"] = json!([weekly]);
    doc
}

#[test]
fn an_hsds3_schedule_becomes_sessions_and_a_bad_record_loses_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let good = usable_service("0b2c3f7e-1111-4a4a-8b8b-000000000001");
    let placeholder: Value =
        serde_json::from_str(&std::fs::read_to_string(example("service_full.json")).unwrap())
            .unwrap();
    let file = dir.path().join("services.json");
    std::fs::write(&file, serde_json::to_string(&json!([good, placeholder])).unwrap()).unwrap();
    assert_eq!(kind(&file), Some(SourceKind::Hsds3Json), "an array of services");

    let run = run(vec![file]).unwrap();
    let row = &run.summary.sources[0];
    assert_eq!((row.read, row.rejected, row.listings, row.approximate), (2, 1, 1, 1));
    // The placeholder record is record 2, and only it is rejected.
    let rejected: Vec<_> = run.summary.problems_of(ProblemKind::Rejected).collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!((rejected[0].record, rejected[0].field.as_str()), (2, "location"));

    let l = &run.listings[0];
    assert!(l.id.starts_with("hsds3-"), "{}", l.id);
    assert_eq!(l.sources[0].name, HSDS3_SOURCE);
    assert_eq!(l.address.state.as_deref(), Some("FL"));
    assert!(l.location.expect("placed at its ZIP").approximate);
    let s = &l.schedule.sessions[0];
    assert_eq!(s.days, vec![Weekday::Tu, Weekday::Th, Weekday::Sa]);
    assert_eq!((&*s.start, &*s.end), ("18:00", "21:00"));
    assert_eq!(s.format, Some(SessionFormat::Virtual));
    assert_eq!(s.label.as_deref(), Some("Evening group"));
    for (facet, want) in
        [("evening", Tri::Yes), ("weekend", Tri::Yes), ("virtual", Tri::Yes), ("day", Tri::No)]
    {
        assert_eq!(l.schedule.facet(facet), want, "{facet}");
    }
}

#[test]
fn malformed_hsds3_input_is_an_error_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = usable_service("0b2c3f7e-1111-4a4a-8b8b-000000000002");
    doc["schedules"][0]["opens_at"] = json!("25:00");
    let bad = dir.path().join("bad-hours.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let e = run(vec![bad.clone()]).unwrap_err();
    assert!(matches!(&e, Error::Format { path, .. } if path == &bad), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}: field schedules[0].opens_at: \"25:00\" is not HH:MM[:SS]", bad.display())
    );

    // Cut short: still told as HSDS 3.0 by its keys, and the reader names the line.
    let text = std::fs::read_to_string(example("service_full.json")).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    assert_eq!(kind(&cut), Some(SourceKind::Hsds3Json));
    let e = run(vec![cut.clone()]).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}: line ", cut.display())), "{e}");
    assert!(e.contains("not JSON"), "{e}");

    // The tabular form names the CSV table and its line.
    let csv = dir.path().join("csv");
    std::fs::create_dir(&csv).unwrap();
    for entry in std::fs::read_dir(example("csv")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), csv.join(entry.file_name())).unwrap();
    }
    let sched = csv.join("schedules.csv");
    let text = std::fs::read_to_string(&sched).unwrap().replace("10:00:00", "25:00");
    std::fs::write(&sched, text).unwrap();
    let e = run(vec![csv]).unwrap_err();
    assert!(matches!(&e, Error::Format { path, .. } if path == &sched), "{e:?}");
    assert!(e.to_string().ends_with("line 2: field opens_at: \"25:00\" is not HH:MM[:SS]"), "{e}");
}

const MIAMI_SHEET_ID: &str = "m211-32f5123dff5bf4ee";

fn write_sheet(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

#[test]
fn sheets_apply_whatever_the_sources_and_bad_ones_are_reported() {
    let miami = vec![data_dir().join("miami211")];
    let opts = IngestOptions { data_dir: data_dir(), sources: miami.clone(), progress: false };
    // Sources given, no --sheets: no sheet applies (the default is for the shipped data).
    let plain = ingest(&opts, geo()).unwrap();
    assert_eq!(plain.summary.sheets.read, 0);

    let dir = tempfile::tempdir().unwrap();
    write_sheet(
        dir.path(),
        "a-virtual.toml",
        &format!(
            r#"# TEST INPUT: a made-up virtual track on a real shipped listing.
listing_id = "{MIAMI_SHEET_ID}"
confirmed = "2026-01-15"
source_note = "test input"
serves_states = ["FL", "ga"]

[[tracks]]
days = ["tu", "th"]
start = "18:30"
end = "21:30"
format = "virtual"
confirmed = "2026-01-15"
"#
        ),
    );
    write_sheet(
        dir.path(),
        "b-nobody.toml",
        r#"listing_id = "m211-0000000000000000"
confirmed = "2026-01-15"
source_note = "test input"
"#,
    );
    write_sheet(
        dir.path(),
        "c-bad.toml",
        &format!(
            r#"listing_id = "{MIAMI_SHEET_ID}"
confirmed = "2026-01-15"
source_note = "test input"
serves_states = ["FL"]

[[tracks]]
days = ["mo"]
start = "09:00"
end = "12:00"
format = "in_person"
confirmed = "2026-01-15"
"#
        ),
    );
    let shipped_sheets = data_dir().join("sheets");
    let run = ingest_with_sheets(&opts, &[shipped_sheets, dir.path().to_owned()], geo()).unwrap();
    let sh = &run.summary.sheets;
    assert_eq!((sh.read, sh.rejected, sh.applied, sh.unknown_ids), (4, 1, 2, 1));
    let p = problems(&run);
    let bad = dir.path().join("c-bad.toml");
    assert!(
        p.contains(&format!(
            "Rejected | sheet {} | 4 | sheet | serves_states needs a track with format = \
             \"virtual\" or \"hybrid\"",
            bad.display()
        )),
        "{p:#?}"
    );
    assert!(
        p.iter().any(|x| x.contains("b-nobody.toml | 0 | listing_id | no listing has the id")),
        "{p:#?}"
    );
    // Both good sheets reached the listing: the shipped evening track and the virtual one.
    let l = run.listings.iter().find(|l| l.id == MIAMI_SHEET_ID).expect("the Miami listing");
    let program: Vec<_> =
        l.schedule.sessions.iter().filter(|s| s.kind == SessionKind::Program).collect();
    assert!(program.iter().any(|s| s.start == "18:00" && s.format.is_none()), "{program:?}");
    assert!(program.iter().any(|s| s.start == "18:30" && s.format == Some(SessionFormat::Virtual)));
    assert!(l.serves_virtually("FL") && l.serves_virtually("GA"));
    assert!(!l.serves_virtually("AL"));
    let sheets: Vec<&str> = l
        .sources
        .iter()
        .filter(|s| s.name == iop_ingest::sheets::SOURCE)
        .map(|s| s.record_id.as_str())
        .collect();
    assert_eq!(sheets, ["multicultural-care-centers-broward.toml", "a-virtual.toml"]);
    // Everything else is as without sheets.
    assert_eq!(run.listings.len(), plain.listings.len());

    // A folder that is not there, or holds no sheet, is an error naming it.
    let missing = dir.path().join("nope");
    let e = ingest_with_sheets(&opts, std::slice::from_ref(&missing), geo()).unwrap_err();
    assert!(matches!(&e, Error::Read { path, .. } if path == &missing), "{e:?}");
    let empty = tempfile::tempdir().unwrap();
    let e = ingest_with_sheets(&opts, &[empty.path().to_owned()], geo()).unwrap_err().to_string();
    assert!(e.ends_with("the folder holds no program sheet (*.toml)"), "{e}");
}
