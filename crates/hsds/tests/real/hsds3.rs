//! HSDS 3.0: the Open Referral examples in `../shared/data/hsds_3_0` in, our listings out,
//! checked against the real schemas.

use std::path::{Path, PathBuf};

use iop_core::listing::Tri;
use iop_core::{Attr, Listing, SessionFormat, SessionKind, Weekday};
use iop_hsds::hsds3::{self, Hsds3Source};
use iop_hsds::schema::SchemaSet;
use iop_hsds::{Error, HsdsParsed};
use serde_json::{Value, json};

use crate::util;

const TODAY: &str = "2026-11-28";

fn source() -> Hsds3Source {
    Hsds3Source {
        name: "hsds3-example".into(),
        id_prefix: "hsds".into(),
        license: Some("CC-BY-SA 4.0 (Open Referral)".into()),
        retrieved: Some("2024-05-16".into()),
    }
}

fn example(name: &str) -> PathBuf {
    util::shared("hsds_3_0/examples").join(name)
}

fn example_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(example(name)).unwrap()).unwrap()
}

fn schemas() -> SchemaSet {
    SchemaSet::new(&util::shared("hsds_3_0/schema"))
}

fn reasons(p: &HsdsParsed) -> Vec<String> {
    p.problems.iter().map(|x| format!("{} | {}", x.field, x.reason)).collect()
}

#[test]
fn service_full_example_in() {
    let p = hsds3::read_json(&example("service_full.json"), &source(), TODAY).unwrap();
    assert_eq!((p.read, p.listings.len()), (1, 1));
    assert_eq!(p.records, vec![1], "the listing is the first service's");
    let l = &p.listings[0];
    assert_eq!(l.name, "Community Counselling");
    assert_eq!(l.alt_name.as_deref(), Some("MyCity Counselling Services"));
    assert_eq!(l.website.as_deref(), Some("http://example.com/counselling"));
    assert_eq!(l.last_verified.as_deref(), Some("2005-01-01"), "assured_date");
    assert!(l.languages.contains("ur"));
    assert_eq!(l.address.street.as_deref(), Some("1-30 Main Street"));
    assert_eq!(l.address.city.as_deref(), Some("MyCity"));
    // The example's placeholders are dropped and reported, not imported.
    assert_eq!(l.location, None, "latitude 100 is not a point");
    assert_eq!((l.address.state.as_deref(), l.address.zip.as_deref()), (None, None));
    assert_eq!(l.phones.main, None, "+44 is not a North American number");
    let r = reasons(&p);
    let has = |needle: &str| r.iter().any(|x| x.contains(needle));
    assert!(has("latitude 100, longitude 101 is not a point on earth"), "{r:#?}");
    assert!(has("state \"MYSTATE\" is not a US state code"), "{r:#?}");
    assert!(has("ZIP \"ABC 1234\" is not five digits"), "{r:#?}");
    assert!(has("phones.number"), "{r:#?}");
    // The schedule is limited to weeks 41-42: not a weekly session.
    assert!(
        has(
            "schedules[0].byweekno | schedule 48102e86-bb50-41c4-8f1e-e269368c41d1: byweekno 41,42"
        ),
        "{r:#?}"
    );
    assert!(l.schedule.sessions.is_empty());
    assert_eq!(
        r.iter().filter(|x| x.contains("byweekno")).count(),
        1,
        "repeated schedule read once"
    );
    assert_eq!(r.iter().filter(|x| x.contains("phones.number")).count(), 1, "repeated phone once");
    assert!(has(
        "taxonomy term \"code\" (\"name\", taxonomy \"taxonomy\") maps to no filter value"
    ));
}

#[test]
fn weekly_schedule_with_attending_type_and_validity() {
    let mut doc = example_json("service_full.json");
    for k in ["byweekno", "bymonthday", "byyearday", "count"] {
        doc["schedules"][0].as_object_mut().unwrap().remove(k);
    }
    doc["service_at_locations"] = json!([]);
    let p = hsds3::from_json(&doc, Path::new("service_full.json"), &source(), TODAY).unwrap();
    let l = &p.listings[0];
    let s = &l.schedule.sessions[0];
    assert_eq!(s.days, vec![Weekday::Th, Weekday::Fr]);
    assert_eq!((&*s.start, &*s.end), ("10:00", "18:00"));
    assert_eq!(s.format, Some(SessionFormat::Hybrid), "in-person or remotely via video");
    assert_eq!(s.valid_to.as_deref(), Some("2005-01-01"));
    assert!(l.schedule.is_unknown(), "the only session expired in 2005");

    // The same schedule, still valid, in a zone that is UTC+3, written in UTC.
    let sched = doc["schedules"][0].as_object_mut().unwrap();
    sched.remove("valid_to");
    sched.remove("until");
    sched.insert("opens_at".into(), json!("07:00:00Z"));
    sched.insert("closes_at".into(), json!("15:00Z"));
    sched.insert("attending_type".into(), json!("online"));
    let p = hsds3::from_json(&doc, Path::new("x.json"), &source(), TODAY).unwrap();
    let l = &p.listings[0];
    let s = &l.schedule.sessions[0];
    assert_eq!((&*s.start, &*s.end), ("10:00", "18:00"), "converted to timezone 3");
    assert_eq!(s.format, Some(SessionFormat::Virtual));
    assert_eq!(l.schedule.facet("day"), Tri::Yes);
    assert_eq!(l.schedule.facet("evening"), Tri::Yes, "ends 18:00");
    assert_eq!(l.schedule.facet("weekend"), Tri::No);
    assert_eq!(l.schedule.facet("virtual"), Tri::Yes);
}

#[test]
fn other_example_shapes() {
    for (file, listings) in [
        ("service_at_location_full.json", 1),
        ("organization_full.json", 1),
        ("service_list.json", 1),
        ("service_at_location_list.json", 1),
    ] {
        let p = hsds3::read_json(&example(file), &source(), TODAY)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(p.listings.len(), listings, "{file}");
        assert!(p.listings.iter().all(|l| !l.name.is_empty()), "{file}");
    }
}

#[test]
fn virtual_locations_and_vocabulary_terms() {
    let mut doc = example_json("service_full.json");
    doc["service_at_locations"][0]["location"]["location_type"] = json!("virtual");
    doc["attributes"] = json!([
        {"id": "a1", "taxonomy_term": {"id": "t1", "code": "RX-8450.8100-180", "name": "Drug Use Disorder Day Treatment", "taxonomy": "AIRS"}},
        {"id": "a2", "taxonomy_term": {"id": "t2", "code": "", "name": "Cognitive behavioral therapy (CBT)", "taxonomy": "local"}},
        {"id": "a3", "taxonomy_term": {"id": "t3", "code": "OIT", "name": "Intensive outpatient treatment", "taxonomy": "SAMHSA"}},
        {"id": "a4", "taxonomy_term": {"id": "t4", "code": "X-1", "name": "Knitting circle", "taxonomy": "local"}}
    ]);
    let p = hsds3::from_json(&doc, Path::new("v.json"), &source(), TODAY).unwrap();
    let l = &p.listings[0];
    assert_eq!(l.schedule.facet("virtual"), Tri::Yes);
    assert!(l.levels.contains("php") && l.levels.contains("iop"), "{:?}", l.levels);
    assert!(l.modalities.contains("cbt"));
    assert_eq!(l.levels.has("residential"), Tri::Unknown, "terms are partial");
    assert!(reasons(&p).iter().any(|r| r.contains("\"Knitting circle\"")));
}

fn err(doc: &Value) -> String {
    hsds3::from_json(doc, Path::new("bad.json"), &source(), TODAY).unwrap_err().to_string()
}

#[test]
fn bad_json_input_names_file_and_field() {
    let mut doc = example_json("service_full.json");
    doc["service_at_locations"][0]["schedules"][0]["opens_at"] = json!("25:00");
    assert_eq!(
        err(&doc),
        "bad.json: field service_at_locations[0].schedules[0].opens_at: \"25:00\" is not HH:MM[:SS]"
    );
    let mut doc = example_json("service_full.json");
    doc["schedules"][0]["byday"] = json!("TH,XX");
    assert_eq!(err(&doc), "bad.json: field schedules[0].byday: \"XX\" is not MO..SU");
    let mut doc = example_json("service_full.json");
    doc.as_object_mut().unwrap().remove("name");
    assert_eq!(err(&doc), "bad.json: field name: required, missing");
    let mut doc = example_json("service_full.json");
    doc["phones"] = json!("555-1212");
    assert!(err(&doc).starts_with("bad.json: field phones: expected an array"));
    let bad = util::shared("hsds_3_0/examples/csv/services.csv");
    let e = hsds3::read_json(&bad, &source(), TODAY).unwrap_err();
    assert!(matches!(e, Error::Line { line: 1, .. }), "{e}");
}

#[test]
fn tabular_example_in() {
    let dir = util::shared("hsds_3_0/examples/csv");
    let p = hsds3::read_tabular(&dir, &source(), TODAY).unwrap();
    assert_eq!(p.listings.len(), 1);
    let l = &p.listings[0];
    assert_eq!(l.name, "Community Counselling");
    assert_eq!(l.alt_name.as_deref(), Some("MyCity Counselling Services"));
    assert_eq!(l.address.city.as_deref(), Some("MyCity"));
    assert!(l.languages.contains("ur"));
    let r = reasons(&p);
    assert!(r.iter().any(|x| x.starts_with("schedules.csv line 2: byweekno |")), "{r:#?}");
    assert!(r.iter().any(|x| x.starts_with("locations.csv line 2: latitude |")), "{r:#?}");
}

#[test]
fn bad_csv_input_names_file_and_line() {
    let src = util::shared("hsds_3_0/examples/csv");
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    let sched = tmp.path().join("schedules.csv");
    let text = std::fs::read_to_string(&sched).unwrap();
    std::fs::write(&sched, text.replace("10:00:00,18:00:00", "25:00,18:00:00")).unwrap();
    let e = hsds3::read_tabular(tmp.path(), &source(), TODAY).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: line 2: field opens_at: \"25:00\" is not HH:MM[:SS]", sched.display())
    );
    std::fs::write(&sched, "id,service_id\n1,2,3\n").unwrap();
    let e = hsds3::read_tabular(tmp.path(), &source(), TODAY).unwrap_err();
    assert!(matches!(&e, Error::Line { line: 2, .. }), "{e}");
    std::fs::remove_file(tmp.path().join("services.csv")).unwrap();
    let e = hsds3::read_tabular(tmp.path(), &source(), TODAY).unwrap_err();
    assert!(e.to_string().starts_with("cannot read "), "{e}");
}

fn miami_listing(id: &str) -> Listing {
    let want = iop_core::id::stable_id("m211", id);
    crate::miami::parsed().listings.iter().find(|l| l.id == want).unwrap().clone()
}

#[test]
fn our_services_validate_against_the_real_schemas() {
    let set = schemas();
    // The validator agrees with the spec's own examples.
    for (schema, file) in [
        ("service.json", "service_full.json"),
        ("organization.json", "organization_full.json"),
        ("service_at_location.json", "service_at_location_full.json"),
        ("location.json", "location.json"),
    ] {
        assert_eq!(
            set.validate(schema, &example_json(file)).unwrap(),
            Vec::<String>::new(),
            "{file}"
        );
    }
    let listings = [miami_listing("8852"), miami_listing("1276"), miami_listing("2932")];
    let services: Vec<Value> = listings.iter().map(hsds3::to_hsds_service).collect();
    for s in &services {
        assert_eq!(set.validate("service.json", s).unwrap(), Vec::<String>::new(), "{s:#}");
    }
    for l in &listings {
        let org = hsds3::to_hsds_organization(l);
        assert_eq!(set.validate("organization.json", &org).unwrap(), Vec::<String>::new());
    }
    let page = hsds3::page(services.clone(), 530, 1, 3);
    assert_eq!(
        set.validate("openapi.json#/components/schemas/Page", &page).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        (page["total_pages"].as_u64(), page["last_page"].as_bool()),
        (Some(177), Some(false))
    );
    for c in page["contents"].as_array().unwrap() {
        assert!(set.validate("service.json", c).unwrap().is_empty());
    }
}

#[test]
fn the_validator_rejects_a_broken_service() {
    let set = schemas();
    let mut s = hsds3::to_hsds_service(&miami_listing("8852"));
    s.as_object_mut().unwrap().remove("name");
    s["id"] = json!("m211-32f5123dff5bf4ee");
    s["status"] = json!("open");
    s["service_at_locations"][0]["schedules"][0]["freq"] = json!("DAILY");
    s["phones"] = json!({"number": "+13055551212"});
    s["service_at_locations"][0]["location"]["latitude"] = json!("25.8");
    let errors = set.validate("service.json", &s).unwrap();
    let expected = [
        "$: required property \"name\" is missing",
        "$.id: \"m211-32f5123dff5bf4ee\" is not a valid uuid",
        "$.status: \"open\" is not one of",
        "$.service_at_locations[0].schedules[0].freq: \"DAILY\" is not one of",
        "$.phones: expected array, found object",
        "$.service_at_locations[0].location.latitude: expected number, found string",
    ];
    for e in expected {
        assert!(errors.iter().any(|x| x.starts_with(e)), "{e} not in {errors:#?}");
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}

#[test]
fn round_trip_keeps_values_unknowns_and_sessions() {
    for id in ["8852", "1276", "2932"] {
        let l = miami_listing(id);
        let svc = hsds3::to_hsds_service(&l);
        let p = hsds3::from_json(&svc, Path::new("ours.json"), &source(), TODAY).unwrap();
        assert!(p.problems.is_empty(), "{id}: {:#?}", p.problems);
        let back = &p.listings[0];
        assert_eq!(back.name, l.name);
        assert_eq!(back.description, l.description);
        assert_eq!(back.address, l.address);
        assert_eq!(back.location, l.location);
        assert_eq!(back.phones, l.phones);
        assert_eq!(back.website, l.website);
        for (a, b) in [
            (&back.levels, &l.levels),
            (&back.modalities, &l.modalities),
            (&back.medications, &l.medications),
            (&back.payments, &l.payments),
            (&back.populations, &l.populations),
            (&back.languages, &l.languages),
        ] {
            assert_eq!(a, b, "{id}");
        }
        assert_eq!(back.schedule.sessions, l.schedule.sessions, "{id}");
        assert_eq!(back.schedule.facets, l.schedule.facets, "{id}");
        assert_eq!(back.schedule.facets_not_offered, l.schedule.facets_not_offered, "{id}");
        assert_eq!(back.schedule.hours_per_week, l.schedule.hours_per_week, "{id}");
        assert_eq!(back.last_verified, l.last_verified);
    }
    // A complete "none" stays a known none.
    let mut l = miami_listing("8852");
    l.payments = Attr::known(Vec::<String>::new());
    let p =
        hsds3::from_json(&hsds3::to_hsds_service(&l), Path::new("x"), &source(), TODAY).unwrap();
    assert_eq!(p.listings[0].payments, Attr::known(Vec::<String>::new()));
    assert_eq!(p.listings[0].schedule.sessions[1].kind, SessionKind::Program);
}
