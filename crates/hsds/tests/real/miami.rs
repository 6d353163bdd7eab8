//! The 2-1-1 Miami data package shipped in `data/miami211/`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use iop_core::id::stable_id;
use iop_core::listing::Tri;
use iop_core::{Listing, SessionKind, Weekday};
use iop_hsds::{HsdsParsed, HsdsProblemKind, airs, miami};

use crate::util;

const TODAY: &str = "2026-11-28";

pub fn parsed() -> &'static HsdsParsed {
    static P: OnceLock<HsdsParsed> = OnceLock::new();
    P.get_or_init(|| miami::parse_dir(&util::shipped("miami211"), TODAY).expect("miami211 reads"))
}

fn listing(service_id: &str) -> &'static Listing {
    let id = stable_id("m211", service_id);
    parsed()
        .listings
        .iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("service {service_id} kept"))
}

fn times(l: &Listing) -> Vec<(Vec<Weekday>, &str, &str)> {
    l.schedule.sessions.iter().map(|s| (s.days.clone(), &*s.start, &*s.end)).collect()
}

#[test]
fn counts_kept_and_left_out() {
    let p = parsed();
    let rejected = p.problems.iter().filter(|x| x.kind == HsdsProblemKind::Rejected).count();
    let evening = p.listings.iter().filter(|l| l.schedule.facet("evening") == Tri::Yes).count();
    let weekend = p.listings.iter().filter(|l| l.schedule.facet("weekend") == Tri::Yes).count();
    let with_hours = p.listings.iter().filter(|l| !l.schedule.sessions.is_empty()).count();
    eprintln!(
        "miami-211: read {}, kept {}, left out {}, rejected {rejected}; with sessions {with_hours}, \
         evening {evening}, weekend {weekend}",
        p.read,
        p.listings.len(),
        p.left_out
    );
    assert_eq!(p.read, 4089);
    assert_eq!(p.read, p.listings.len() + p.left_out + rejected);
    // Every kept service has a substance-use or mental-health code; SOURCES.md counts 536 with
    // a broader, keyword-assisted mental-health set, 245 for "SUD any".
    assert!((500..=536).contains(&p.listings.len()), "kept {}", p.listings.len());
    assert!(evening >= 60 && weekend >= 25, "evening {evening}, weekend {weekend}");
    let ids: BTreeSet<&str> = p.listings.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids.len(), p.listings.len(), "ids are unique");
    // Each listing's record number is its services.csv row, as in the problems: rising, within
    // the rows read, and never the row of a rejected service.
    assert_eq!(p.records.len(), p.listings.len());
    assert!(p.records.windows(2).all(|w| w[0] < w[1]) && p.records.iter().all(|r| *r <= p.read));
    let rejected_rows: BTreeSet<usize> = p
        .problems
        .iter()
        .filter(|x| x.kind == HsdsProblemKind::Rejected)
        .map(|x| x.record)
        .collect();
    assert!(p.records.iter().all(|r| !rejected_rows.contains(r)));
}

#[test]
fn airs_sets_match_the_derived_summary() {
    // The derived summary in shared/ flags each service with the SOURCES.md definitions.
    let summary = std::fs::read_to_string(util::shared(
        "hsds_miami_open211_2019/service_schedule_summary_derived.csv",
    ))
    .unwrap();
    let codes = util::miami_service_codes();
    let mut rdr = csv::Reader::from_reader(summary.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (sid, core, any) = (col("service_id"), col("is_sud_core"), col("is_sud_any"));
    let (mut n_core, mut n_any) = (0, 0);
    for r in rdr.records() {
        let r = r.unwrap();
        let cs = codes.get(&r[sid]).cloned().unwrap_or_default();
        let is_core = cs.iter().any(|c| airs::is_sud_core(c));
        let is_any = cs.iter().any(|c| airs::is_sud_any(c));
        assert_eq!(is_core, &r[core] == "1", "service {} core", &r[sid]);
        assert_eq!(is_any, &r[any] == "1", "service {} any", &r[sid]);
        n_core += usize::from(is_core);
        n_any += usize::from(is_any);
    }
    assert_eq!((n_core, n_any), (163, 245));
}

#[test]
fn multicultural_care_centers_evening_iop() {
    let l = listing("8852");
    assert_eq!(l.name, "MULTICULTURAL CARE CENTERS, LLC. — BROWARD");
    let iop = l.schedule.sessions.iter().find(|s| s.kind == SessionKind::Program).unwrap();
    assert_eq!(iop.days, vec![Weekday::Mo, Weekday::We, Weekday::Th]);
    assert_eq!((&*iop.start, &*iop.end), ("18:00", "21:00"));
    assert_eq!(iop.label.as_deref(), Some("Evening IOP"));
    assert_eq!(l.schedule.facet("evening"), Tri::Yes);
    assert_eq!(l.schedule.facet("day"), Tri::Yes, "office hours 9:00-17:30");
    assert_eq!(l.schedule.facet("weekend"), Tri::No, "Saturdays by appointment is not hours");
    assert_eq!(l.schedule.facet("virtual"), Tri::Unknown);
    assert_eq!(l.schedule.hours_per_week, Some(9.0));
    assert!(l.schedule.hours_text.as_deref().unwrap().contains("Saturdays by Appointment Only"));
    // AIRS: comprehensive outpatient, integrated dual diagnosis, relapse prevention, medication
    // monitoring; the hours label and description say IOP.
    assert!(l.levels.contains("op") && l.levels.contains("iop"));
    assert_eq!(l.levels.has("residential"), Tri::Unknown, "a code list is not complete");
    assert!(l.populations.contains("co_occurring"));
    assert!(l.modalities.contains("relapse_prevention"));
    assert!(l.modalities.contains("medication_management"));
    assert!(l.services.iter().any(|s| s == "Integrated Dual Diagnosis Treatment"));
    assert_eq!(l.sources[0].record_id, "8852");
    let d = l.description.as_deref().unwrap();
    assert!(d.starts_with("Intensive Outpatient Program & Outpatient Programs:\n"), "{d}");
    assert!(!d.contains("###") && !d.contains("\\n") && !d.contains("Ç"), "{d}");
    assert!(d.contains("“identify, anticipate, avoid and/or cope”"));
}

#[test]
fn dade_family_counseling_two_part_hours() {
    let l = listing("1276");
    use Weekday::*;
    assert_eq!(
        times(l),
        vec![(vec![Mo, Tu, We, Th], "10:00", "21:00"), (vec![Fr], "09:00", "14:30")]
    );
    assert_eq!(l.schedule.facet("evening"), Tri::Yes);
    assert_eq!(l.schedule.hours_text, None, "fully structured");
    // In Hialeah, ZIP 33012: an evening search there finds it.
    assert_eq!(
        (l.address.city.as_deref(), l.address.zip.as_deref()),
        (Some("Hialeah"), Some("33012"))
    );
    assert!(l.location.is_some_and(|p| (p.lat - 25.867).abs() < 0.01 && !p.approximate));
    assert!(l.phones.main.as_deref().is_some_and(|p| p.starts_with("+1")));
}

#[test]
fn evening_and_weekend_care_in_hialeah_and_miami() {
    let near = |l: &&Listing| matches!(l.address.city.as_deref(), Some("Hialeah" | "Miami"));
    let kept: Vec<&Listing> = parsed().listings.iter().filter(near).collect();
    let evening: Vec<_> =
        kept.iter().filter(|l| l.schedule.facet("evening") == Tri::Yes).map(|l| &l.name).collect();
    let weekend = kept.iter().filter(|l| l.schedule.facet("weekend") == Tri::Yes).count();
    let hialeah_evening = kept
        .iter()
        .filter(|l| l.address.city.as_deref() == Some("Hialeah"))
        .filter(|l| l.schedule.facet("evening") == Tri::Yes)
        .count();
    eprintln!(
        "Hialeah/Miami kept {}: evening {}, weekend {weekend}, Hialeah evening {hialeah_evening}",
        kept.len(),
        evening.len()
    );
    assert!(evening.len() >= 20, "{evening:?}");
    assert!(weekend >= 5);
    assert!(hialeah_evening >= 1);
}

#[test]
fn a_food_bank_is_left_out() {
    let ids: BTreeSet<&str> = parsed()
        .listings
        .iter()
        .flat_map(|l| l.sources.iter().map(|s| s.record_id.as_str()))
        .collect();
    for food in ["3982", "1274", "8564"] {
        assert!(!ids.contains(food), "food bank service {food} must not be a listing");
    }
}

#[test]
fn unmapped_codes_are_reported_once_each() {
    let p = parsed();
    let unmapped: Vec<_> = p
        .problems
        .iter()
        .filter(|x| {
            x.kind == HsdsProblemKind::Unmapped && x.field == "services_taxonomy.taxonomy_id"
        })
        .collect();
    eprintln!("{} AIRS codes on kept services map to nothing", unmapped.len());
    assert!(!unmapped.is_empty());
    let codes: BTreeSet<_> = unmapped.iter().map(|x| x.reason.split(' ').nth(2).unwrap()).collect();
    assert_eq!(codes.len(), unmapped.len(), "one problem per code");
    for c in &codes {
        assert!(airs::AirsMap::get().lookup(c).is_none(), "{c} has a row");
    }
    assert!(unmapped.iter().any(|x| x.reason.contains("(Preadolescent Children)")));
    assert!(p.problems.iter().all(|x| x.record >= 1 && x.source == "miami-211"));
}

#[test]
fn partly_parsed_hours_are_reported_and_kept_as_text() {
    let p = parsed();
    let hours: Vec<_> =
        p.problems.iter().filter(|x| x.field == "regular_schedules.original_text").collect();
    assert!(!hours.is_empty());
    let l = listing("8852");
    let record = p.listings.iter().position(|x| x.id == l.id).unwrap();
    assert!(record < p.listings.len());
    assert!(hours.iter().any(|x| x.reason.contains("Flexible day and evening programs")));
}
