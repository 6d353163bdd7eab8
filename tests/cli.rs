//! `iop ingest`, `iop index` and `iop search` as a user runs them.

use std::collections::BTreeSet;

use iop_core::{Attr, Field, Group, Listing};

use crate::util::{run, shipped_index, shipped_jsonl};

fn shipped_listings() -> Vec<Listing> {
    std::fs::read_to_string(shipped_jsonl())
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a listing"))
        .collect()
}

#[test]
fn ingest_covers_every_state_dc_and_puerto_rico() {
    let listings = shipped_listings();
    let states: BTreeSet<&str> =
        listings.iter().filter_map(|l| l.address.state.as_deref()).collect();
    for st in iop_core::states::STATES.iter().map(|s| s.code) {
        if matches!(st, "AS" | "GU" | "MP" | "VI") {
            continue; // territories the shipped sources may not cover
        }
        assert!(states.contains(st), "no listing in {st}");
    }
    // Ids are unique and every listing says where it came from.
    let ids: BTreeSet<&str> = listings.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), listings.len(), "duplicate ids");
    assert!(listings.iter().all(|l| !l.sources.is_empty()));
    // And which of its sources says each field: every key of the JSON's `provenance` names one
    // of its sources or a derivation.
    for l in &listings {
        assert_eq!(l.provenance.has(Field::Name), !l.name.is_empty(), "{}", l.id);
        for (_, keys) in l.provenance.iter() {
            for k in keys {
                assert!(k.starts_with("derived:") || l.source_of_key(k).is_some(), "{} {k}", l.id);
            }
        }
    }
}

#[test]
fn charlottesville_records_keep_their_service_detail() {
    let listings = shipped_listings();
    let cville: Vec<&Listing> = listings
        .iter()
        .filter(|l| l.address.city.as_deref() == Some("Charlottesville"))
        .filter(|l| l.sources.iter().any(|s| s.name == "samhsa-findtreatment"))
        .collect();
    assert!(!cville.is_empty(), "no FindTreatment.gov records in Charlottesville");
    let rich = cville.iter().find(|l| {
        l.levels.contains("iop")
            && l.modalities.contains("cbt")
            && l.payments.contains("medicaid")
            && l.languages.contains("es")
    });
    assert!(rich.is_some(), "no Charlottesville record with IOP, CBT, Medicaid and Spanish");
    // The national list alone says nothing about services: those stay unknown, never "no".
    let bare = listings
        .iter()
        .find(|l| l.sources.len() == 1 && l.sources[0].name == "samhsa-locator-2021")
        .expect("a listing known only from the national list");
    assert!(bare.is_unknown(Group::Payment));
    assert!(bare.is_unknown(Group::Level));
}

#[test]
fn ingest_prints_a_summary_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l.jsonl");
    let o = run(&["ingest", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    for word in ["read", "rejected", "repaired", "merged"] {
        assert!(stderr.contains(word), "summary lacks {word:?}:\n{stderr}");
    }
    // Two runs over the same data give the same bytes: ids are stable.
    let again = std::fs::read(&out).unwrap();
    assert_eq!(again, std::fs::read(shipped_jsonl()).unwrap(), "ingest is not deterministic");
}

#[test]
fn an_unreadable_source_is_exit_code_2_naming_the_file() {
    let o = run(&["ingest", "--quiet", "/nonexistent/listings.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("/nonexistent/listings.csv"), "{stderr}");
}

#[test]
fn a_bad_jsonl_line_is_exit_code_2_and_the_old_index_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let good = dir.path().join("good.jsonl");
    // The first 50 real listings.
    let text = std::fs::read_to_string(shipped_jsonl()).unwrap();
    let first: Vec<&str> = text.lines().take(50).collect();
    std::fs::write(&good, first.join("\n")).unwrap();
    let o = run(&["index", "--input", good.to_str().unwrap(), "--index", index.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{{\"id\": 3}}\n", first[0])).unwrap();
    let o = run(&["index", "--input", bad.to_str().unwrap(), "--index", index.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");

    // The file is read as the build goes: a bad line or a repeated id far into it (after
    // several batches went to the build) still fails it, naming the line or the listing.
    let many: Vec<&str> = text.lines().take(300).collect();
    let late_bad = dir.path().join("late_bad.jsonl");
    std::fs::write(&late_bad, format!("{}\nnot json\n{}\n", many.join("\n"), first[1])).unwrap();
    let late_repeat = dir.path().join("late_repeat.jsonl");
    std::fs::write(&late_repeat, format!("{}\n{}\n", many.join("\n"), first[7])).unwrap();
    for (file, says) in [(&late_bad, "line 301: not a listing"), (&late_repeat, "listing 301")] {
        let o =
            run(&["index", "--input", file.to_str().unwrap(), "--index", index.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }

    let o = run(&["search", "--index", index.to_str().unwrap(), "--json", "--per-page", "100"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["total"], 50, "the previous index no longer serves all its listings");
}

#[test]
fn every_shipped_listing_reads_back_from_the_index() {
    // Through the index's stored form (`codec`): every field of every real listing, with
    // their schedules, sessions, provenance and non-ASCII text, comes back as it went in.
    let listings = shipped_listings();
    let index = iop_index::Index::open(shipped_index()).expect("the index opens");
    let ids: Vec<&str> = listings.iter().map(|l| l.id.as_str()).collect();
    let back = index.get_many(&ids).expect("every listing reads back");
    assert_eq!(back.len(), listings.len());
    for (a, b) in listings.iter().zip(&back) {
        assert_eq!(a, b, "{}", a.id);
    }
    assert!(listings.iter().any(|l| !l.schedule.sessions.is_empty()), "sessions are covered");
    assert!(listings.iter().any(|l| !l.name.is_ascii()), "non-ASCII names are covered");
}

#[test]
fn the_shipped_data_written_in_two_halves_answers_as_written_whole() {
    // From 300,000 listings a build writes the two halves of the curve on two threads and
    // merges them. Forced on the real data, that index must answer as the one written by a
    // single thread: the same hits in the same order, scores, distances, totals and facets.
    use iop_core::search::{Area, SearchRequest, Sort};
    let dir = tempfile::tempdir().expect("tempdir");
    iop_index::build_in_halves(dir.path(), shipped_listings()).expect("build");
    let current = std::fs::read_to_string(dir.path().join("CURRENT")).expect("CURRENT");
    let stores = std::fs::read_dir(dir.path().join(current.trim()))
        .expect("read_dir")
        .filter(|e| e.as_ref().expect("entry").path().extension().is_some_and(|x| x == "store"))
        .count();
    assert_eq!(stores, 1, "the halves are merged into one segment");
    let halves = iop_index::Index::open(dir.path()).expect("open");
    let whole = iop_index::Index::open(shipped_index()).expect("open");
    let charlottesville = || {
        Some(Area::Radius { lat: 38.03, lon: -78.48, radius_m: 40_000.0, state: Some("VA".into()) })
    };
    let filters = |pairs: &[(Group, &str)]| {
        let mut f = iop_core::listing::Filters::new();
        for (g, v) in pairs {
            f.entry(*g).or_default().push((*v).to_owned());
        }
        f
    };
    let requests = [
        SearchRequest { text: Some("intensive outpatient".into()), ..Default::default() },
        SearchRequest { text: Some("suboxone counselng".into()), ..Default::default() },
        SearchRequest { area: charlottesville(), text: Some("iop".into()), ..Default::default() },
        SearchRequest {
            area: charlottesville(),
            filters: filters(&[(Group::Level, "iop"), (Group::Schedule, "evening")]),
            include_unknown: true,
            ..Default::default()
        },
        SearchRequest {
            area: Some(Area::State("CA".into())),
            sort: Sort::Name,
            page: 3,
            ..Default::default()
        },
        SearchRequest {
            area: Some(Area::State("NY".into())),
            text: Some("spanish".into()),
            filters: filters(&[(Group::Payment, "medicaid")]),
            include_unknown: true,
            ..Default::default()
        },
        SearchRequest {
            area: Some(Area::Radius {
                lat: 25.77,
                lon: -80.19,
                radius_m: 40_000.0,
                state: Some("FL".into()),
            }),
            filters: filters(&[(Group::Schedule, "virtual")]),
            ..Default::default()
        },
    ];
    for mut req in requests {
        req.per_page = 50;
        req.page = req.page.max(1);
        let a = whole.search(&req).expect("search");
        let b = halves.search(&req).expect("search");
        assert!(a.total > 0, "{req:?} finds nothing: the comparison would prove little");
        assert_eq!(a, b, "{req:?}");
    }
}

#[test]
fn search_near_charlottesville_for_iop() {
    let index = shipped_index().to_str().unwrap();
    let o = run(&[
        "search",
        "--index",
        index,
        "--near",
        "Charlottesville, VA",
        "--level",
        "iop",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = json["results"].as_array().unwrap();
    assert!(!results.is_empty(), "no IOP near Charlottesville");
    let mut last = 0.0;
    for r in results {
        let d = r["distance_mi"].as_f64().unwrap();
        assert!(d <= 25.0 && d >= last, "not sorted by distance or outside the radius: {d}");
        last = d;
        assert!(r["levels"].as_array().unwrap().iter().any(|l| l == "iop"));
    }
    // The table form names the place.
    let o = run(&["search", "--index", index, "--near", "22902", "--level", "iop"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("Charlottesville"));
}

#[test]
fn search_with_a_bad_parameter_is_exit_code_2_naming_it() {
    let index = shipped_index().to_str().unwrap();
    let o = run(&["search", "--index", index, "--near", "22902", "--radius-mi", "900"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("radius"));
    let o = run(&["search", "--index", index, "--near", "Charlotesville, VA"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Charlottesville"), "no suggestion");
}

#[test]
fn re_ingesting_reports_added_updated_unchanged_and_stale() {
    let dir = tempfile::tempdir().unwrap();
    let mut listings = shipped_listings();
    let total = listings.len();
    // The previous run: lacked the first listing, had another one's phone different, knew
    // nothing of a third one's levels of care, and had a listing the sources no longer carry.
    listings.remove(0);
    listings[0].phones.main = Some("+12025550100".into());
    let with_levels = (2..listings.len())
        .find(|&i| !listings[i].levels.is_unknown() && listings[i].provenance.has(Field::Levels))
        .expect("a listing with levels");
    listings[with_levels].levels = Attr::Unknown;
    listings[with_levels].provenance.remove(Field::Levels);
    let mut gone = listings[1].clone();
    gone.id = "samhsa-00000000000000ff".into();
    listings.push(gone.clone());
    let previous = dir.path().join("previous.jsonl");
    let text: Vec<String> = listings.iter().map(|l| serde_json::to_string(l).unwrap()).collect();
    std::fs::write(&previous, text.join("\n")).unwrap();

    let out = dir.path().join("new.jsonl");
    let o = run(&[
        "ingest",
        "--quiet",
        "--previous",
        previous.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Exactly the two changed fields, once each, in the summary.
    let expected = format!(
        "refresh: 1 added, 2 updated (phones.main 1, levels 1), {} unchanged, 1 stale",
        total - 3
    );
    assert!(stderr.contains(&expected), "{stderr}");
    let new: Vec<Listing> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(new.len(), total + 1);
    let stale: Vec<&Listing> = new.iter().filter(|l| l.stale).collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].id, "samhsa-00000000000000ff");
    assert_eq!(stale[0].provenance, gone.provenance, "a stale listing keeps its provenance");
    // The updated listing has the current ingest's levels and their provenance back.
    let updated = new.iter().find(|l| l.id == listings[with_levels].id).expect("still listed");
    assert!(!updated.levels.is_unknown() && updated.provenance.has(Field::Levels));
}

#[test]
fn ingest_reads_hsds3_json_and_tabular_and_names_the_problems() {
    // Open Referral's own HSDS 3.0 examples (real format, placeholder content: latitude 100,
    // "MyState", a UK phone): read without failing, each placeholder repaired or the record
    // rejected with its file, field and reason.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hsds3.jsonl");
    let o = run(&[
        "ingest",
        "--quiet",
        "tests/fixtures/hsds3/service_full.json",
        "tests/fixtures/hsds3/csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    for line in [
        "repaired: hsds3 (service_full.json) record 1 field \
         service_at_locations[0].location.latitude: latitude 100, longitude 101 is not a point \
         on earth; dropped",
        "repaired: hsds3 (service_full.json) record 1 field \
         service_at_locations[0].location.addresses[0].state_province: state \"MYSTATE\" is not \
         a US state code; dropped",
        "unmapped: hsds3 (csv) record 1 field schedules.csv line 2: byweekno: schedule \
         48102e86-bb50-41c4-8f1e-e269368c41d1: byweekno 41,42 limits it to some weeks or days; \
         not imported as a weekly session",
        "rejected: hsds3 (service_full.json) record 1 field location: cannot be placed",
        "rejected: hsds3 (csv) record 1 field location: cannot be placed",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    // The summary has a row per file; nothing placeable, so no listing is written.
    assert!(stderr.contains("hsds3 (service_full.json)        1        1"), "{stderr}");
    assert!(stderr.contains("wrote 0 listings"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "");
}

#[test]
fn malformed_hsds3_json_is_exit_code_2_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(crate::util::root().join("tests/fixtures/hsds3/service_full.json"))
            .unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["service_at_locations"][0]["schedules"][0]["opens_at"] = "25:00".into();
    let bad = dir.path().join("broken-service.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    // A previous output stays as it was: a failed run loses nothing.
    let out = dir.path().join("listings.jsonl");
    std::fs::write(&out, "previous run\n").unwrap();

    let o = run(&["ingest", "--quiet", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: field service_at_locations[0].schedules[0].opens_at: \"25:00\" is not HH:MM[:SS]",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous run\n");
}

#[test]
fn a_sheets_folder_that_is_not_there_is_exit_code_2_naming_it() {
    let o = run(&[
        "ingest",
        "--quiet",
        "tests/fixtures/hsds3/csv",
        "--sheets",
        "/nonexistent/sheets",
        "--out",
        "/nonexistent/out.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("cannot read /nonexistent/sheets"), "{stderr}");
}
