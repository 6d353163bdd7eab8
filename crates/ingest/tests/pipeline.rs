//! The whole pipeline on the shipped data (`data/samhsa`, `data/dhcs`, geocoder from `data/geo`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_core::listing::Tri;
use iop_core::{Field, Group, Listing, states};
use iop_geo::Geocoder;
use iop_ingest::{Ingest, IngestOptions, ProblemKind, findtreatment, ingest, write_jsonl};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn geo() -> &'static Geocoder {
    static GEO: OnceLock<Geocoder> = OnceLock::new();
    GEO.get_or_init(|| Geocoder::load(&data_dir()).expect("the shipped geo data loads"))
}

fn shipped() -> &'static Ingest {
    static RUN: OnceLock<Ingest> = OnceLock::new();
    RUN.get_or_init(|| ingest(&IngestOptions::shipped(data_dir()), geo()).expect("ingest runs"))
}

fn holding<'a>(run: &'a Ingest, source: &str, record_id: &str) -> &'a Listing {
    run.listings
        .iter()
        .find(|l| l.sources.iter().any(|s| s.name == source && s.record_id == record_id))
        .unwrap_or_else(|| panic!("no listing holds {source} record {record_id}"))
}

#[test]
fn every_state_dc_and_puerto_rico_have_listings() {
    let s = &shipped().summary;
    let wanted: Vec<&str> = states::STATES
        .iter()
        .map(|s| s.code)
        .filter(|c| !matches!(*c, "AS" | "GU" | "MP" | "VI"))
        .collect();
    assert_eq!(wanted.len(), 52);
    for code in wanted {
        assert!(s.states.get(code).copied().unwrap_or(0) > 0, "no listing in {code}");
    }
    assert_eq!(s.no_state, 0);
    assert_eq!(s.states.values().sum::<usize>(), shipped().listings.len());
    // Every listing that went through has a place to be found by distance.
    assert!(shipped().listings.iter().all(|l| l.location.is_some()));
}

#[test]
fn charlottesville_findtreatment_records_keep_what_they_know() {
    let run = shipped();
    // Region Ten's 800 Preston Avenue clinic: two API records (MH and SA) and the national row.
    let region_ten = run
        .listings
        .iter()
        .find(|l| {
            l.name == "Region Ten Community Services Board"
                && l.address.street.as_deref() == Some("800 Preston Avenue")
        })
        .expect("Region Ten, 800 Preston Avenue");
    assert!(region_ten.id.starts_with("ft-"), "the API record's id wins: {}", region_ten.id);
    assert!(region_ten.sources.iter().any(|s| s.name == "samhsa-locator-2021"));
    assert_eq!(region_ten.has(Group::Level, "iop"), Tri::Yes);
    assert_eq!(region_ten.has(Group::Modality, "cbt"), Tri::Yes);
    assert_eq!(region_ten.has(Group::Payment, "medicaid"), Tri::Yes);
    assert_eq!(region_ten.has(Group::Language, "es"), Tri::Yes);
    assert!(!region_ten.location.expect("placed").approximate);
    assert_eq!(region_ten.phones.main.as_deref().map(|p| p.starts_with("+1434")), Some(true));

    // Whatever an API record says survives the merge: a value it lists still holds, and a
    // group it describes completely is still complete.
    let mut checked = 0;
    for (file, _) in findtreatment::SHIPPED {
        let parsed = findtreatment::parse(&data_dir().join("samhsa").join(file)).expect("parses");
        for raw in &parsed.listings {
            let merged = holding(run, findtreatment::SOURCE_NAME, &raw.sources[0].record_id);
            for g in Group::ALL {
                if let (Some(before), Some(after)) = (raw.attr(g), merged.attr(g)) {
                    for v in before.values() {
                        assert_eq!(after.has(v), Tri::Yes, "{} lost {g:?} {v}", raw.name);
                    }
                    assert!(!before.is_known() || after.is_known(), "{} {g:?}", raw.name);
                }
            }
            for f in &raw.schedule.facets {
                assert_eq!(merged.schedule.facet(f), Tri::Yes);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 30 + 25 + 2);
}

#[test]
fn summary_counts_each_source_and_the_merge() {
    let s = &shipped().summary;
    let row = |name: &str| {
        s.sources.iter().find(|r| r.source == name).unwrap_or_else(|| panic!("no row {name}"))
    };
    assert_eq!(row("samhsa-locator-2021").read, 14_034);
    assert_eq!(row("samhsa-locator-2021").listings, 14_034 - 265);
    assert_eq!(row("samhsa-otp-2021").read, 1_831);
    let dhcs = row("ca-dhcs");
    assert_eq!((dhcs.read, dhcs.rejected, dhcs.approximate), (2_266, 1, 1));
    // The rejected DHCS record has no address and no coordinates at all.
    let rejected: Vec<_> = s.problems_of(ProblemKind::Rejected).collect();
    assert!(rejected.iter().any(|p| p.source == "ca-dhcs"
        && p.field == "location"
        && p.reason.starts_with("cannot be placed")));
    // Several files of one source are told apart.
    assert!(
        s.sources.iter().any(|r| r.source
            == "samhsa-findtreatment (api_response_rows_sa_charlottesville_va_2019.json)")
    );

    assert_eq!(s.merge.input, s.sources.iter().map(|r| r.listings).sum::<usize>());
    assert_eq!(s.merge.input - s.merge.merged, s.listings);
    assert_eq!(s.listings, shipped().listings.len());
    assert!(s.merge.pairs["samhsa-locator-2021 + samhsa-otp-2021"] > 1_000);
    assert!(s.merge.pairs["ca-dhcs + samhsa-findtreatment-2025-ca"] > 100);
    assert!(s.merge.pairs["samhsa-findtreatment + samhsa-locator-2021"] > 10);
    // The 2-1-1 Miami services: most of the package is not treatment and is left out on
    // purpose; those without coordinates are placed at their ZIP.
    let miami = row("miami-211");
    assert!(miami.left_out > 3_000 && miami.listings > 400, "{miami:?}");
    assert!(miami.approximate > 0);
    assert_eq!(s.levels.known + s.levels.partial + s.levels.unknown, s.listings);
    assert!(s.levels.offered["iop"] > 0 && s.levels.offered["otp"] > 1_000);

    let text = s.to_string();
    for needle in ["samhsa-otp-2021", "merged:", "VA ", "PR ", "levels of care: known"] {
        assert!(text.contains(needle), "{needle:?} missing from\n{text}");
    }
    let json = serde_json::to_value(s).expect("the summary serialises");
    assert_eq!(json["sources"].as_array().map(Vec::len), Some(s.sources.len()));
}

#[test]
fn two_runs_give_the_same_ids_and_bytes() {
    let again = ingest(&IngestOptions::shipped(data_dir()), geo()).expect("ingest runs");
    let first = shipped();
    let ids = |run: &Ingest| run.listings.iter().map(|l| l.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(first), ids(&again));
    let mut a = Vec::new();
    let mut b = Vec::new();
    write_jsonl(&first.listings, &mut a).expect("writes");
    write_jsonl(&again.listings, &mut b).expect("writes");
    assert!(a == b, "the JSON Lines differ between runs");
}

#[test]
fn json_lines_are_sorted_and_read_back() {
    let run = shipped();
    let mut out = Vec::new();
    write_jsonl(&run.listings, &mut out).expect("writes");
    let text = String::from_utf8(out).expect("UTF-8");
    let back: Vec<Listing> =
        text.lines().map(|l| serde_json::from_str(l).expect("each line is a listing")).collect();
    assert_eq!(back.len(), run.listings.len());
    assert!(back.windows(2).all(|w| w[0].id < w[1].id), "sorted by unique id");
    let by_id: HashMap<&str, &Listing> = run.listings.iter().map(|l| (l.id.as_str(), l)).collect();
    for l in back.iter().step_by(97) {
        assert_eq!(by_id[l.id.as_str()], l);
    }
    // The API shape: unknown groups are named, not shown as "no".
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("a line")).expect("JSON");
    assert!(first["unknown"].is_array() && first["sources"].is_array());
}

/// The Charlottesville API responses (the two saved pages), ingested.
fn charlottesville() -> Ingest {
    let samhsa = data_dir().join("samhsa");
    let opts = IngestOptions {
        data_dir: data_dir(),
        sources: findtreatment::SHIPPED.iter().map(|(f, _)| samhsa.join(f)).collect(),
        progress: false,
    };
    ingest(&opts, geo()).expect("the API pages ingest")
}

/// `listings` as JSON Lines values, the way a previous run wrote them.
fn as_json(listings: &[Listing]) -> Vec<serde_json::Value> {
    listings.iter().map(|l| serde_json::to_value(l).expect("serialises")).collect()
}

fn from_json(values: Vec<serde_json::Value>) -> Vec<Listing> {
    values.into_iter().map(|v| serde_json::from_value(v).expect("a listing")).collect()
}

#[test]
fn re_ingesting_reports_each_changed_field_on_real_records() {
    let mut run = charlottesville();
    let total = run.listings.len();
    let mut previous = as_json(&run.listings);
    // The previous run had another main phone for one listing, and no schedule for another
    // (Region Ten's 800 Preston Avenue, whose schedule comes from its MH record).
    let phone_at = previous
        .iter()
        .position(|v| v["phones"]["main"].is_string())
        .expect("a listing with a main phone");
    previous[phone_at]["phones"]["main"] = "+12025550100".into();
    let region_ten = previous
        .iter()
        .position(|v| {
            v["name"] == "Region Ten Community Services Board"
                && v["address"]["street"] == "800 Preston Avenue"
        })
        .expect("Region Ten in the API pages");
    assert_ne!(region_ten, phone_at);
    let region_ten_id = run.listings[region_ten].id.clone();
    let schedule_from: Vec<String> =
        run.listings[region_ten].provenance.keys(Field::Schedule).map(str::to_owned).collect();
    assert_eq!(schedule_from.len(), 1, "{schedule_from:?}");
    let old = &mut previous[region_ten];
    old["schedule"] = serde_json::json!({});
    old["unknown"].as_array_mut().expect("a list").push("schedule".into());
    old["provenance"].as_object_mut().expect("an object").remove("schedule");

    run.refresh(from_json(previous));
    let report = run.summary.refresh.as_ref().expect("a refresh report");
    assert_eq!((report.added, report.updated, report.stale), (0, 2, 0));
    assert_eq!(report.unchanged, total - 2);
    let expected = format!(
        "refresh: 0 added, 2 updated (phones.main 1, schedule 1), {} unchanged, 0 stale",
        total - 2
    );
    assert!(run.summary.to_string().ends_with(&expected), "{}", run.summary);
    // The listings are the current ingest's, provenance included.
    let now = run.listings.iter().find(|l| l.id == region_ten_id).expect("still listed");
    assert!(now.provenance.keys(Field::Schedule).eq(schedule_from.iter().map(String::as_str)));
}

#[test]
fn a_previous_run_from_before_provenance_is_unchanged_not_updated() {
    let mut run = charlottesville();
    let total = run.listings.len();
    let mut previous = as_json(&run.listings);
    for v in &mut previous {
        v.as_object_mut().expect("an object").remove("provenance");
    }
    // And a listing the sources no longer carry (a copy of the first, under another id): kept,
    // stale, with the provenance it had.
    let mut gone = run.listings[0].clone();
    gone.id = "ft-00000000000000ff".into();
    previous.push(serde_json::to_value(&gone).expect("serialises"));
    run.refresh(from_json(previous));
    let report = run.summary.refresh.clone().expect("a refresh report");
    assert_eq!((report.added, report.updated, report.unchanged, report.stale), (0, 0, total, 1));
    assert!(report.fields.is_empty());
    let stale: Vec<&Listing> = run.listings.iter().filter(|l| l.stale).collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].id, gone.id);
    assert!(!gone.provenance.is_empty());
    assert_eq!(stale[0].provenance, gone.provenance, "a stale listing keeps its provenance");
}
