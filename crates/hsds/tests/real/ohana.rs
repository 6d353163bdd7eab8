//! The Ohana San Mateo export in `../shared/data/ohana_smc_2013` (not shipped).

use std::sync::OnceLock;

use iop_core::listing::Tri;
use iop_core::{Listing, Weekday};
use iop_hsds::{HsdsParsed, ohana};

use crate::util;

fn parsed() -> &'static HsdsParsed {
    static P: OnceLock<HsdsParsed> = OnceLock::new();
    P.get_or_init(|| ohana::parse_dir(&util::shared("ohana_smc_2013"), "2026-11-28").unwrap())
}

fn by_name(name: &str) -> &'static Listing {
    parsed().listings.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("{name} kept"))
}

#[test]
fn sitike_counseling_center_evenings() {
    let l = by_name("Sitike Counseling Center");
    use Weekday::*;
    let got: Vec<_> =
        l.schedule.sessions.iter().map(|s| (s.days.clone(), &*s.start, &*s.end)).collect();
    assert_eq!(got, vec![(vec![Mo, Tu, We, Th], "09:00", "21:00"), (vec![Fr], "09:00", "14:00")]);
    assert_eq!(l.schedule.facet("evening"), Tri::Yes);
    assert_eq!(l.schedule.facet("weekend"), Tri::No);
    assert_eq!(l.address.zip.as_deref(), Some("94080"));
    let p = l.location.unwrap();
    assert!((p.lat - 37.656645).abs() < 1e-6 && (p.lon + 122.415633).abs() < 1e-6, "lon/lat order");
    assert_eq!(l.phones.main.as_deref(), Some("+16505899305"));
    assert!(l.languages.contains("es"));
    assert_eq!(l.last_verified.as_deref(), Some("2013-11-07"));
}

#[test]
fn keeps_the_sud_and_mh_locations_of_the_derived_summary() {
    let p = parsed();
    assert_eq!(p.records.len(), p.listings.len(), "a record number for each listing");
    let summary =
        std::fs::read_to_string(util::shared("ohana_smc_2013/location_hours_summary_derived.csv"))
            .unwrap();
    let mut rdr = csv::Reader::from_reader(summary.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (id, sud) = (col("location_id"), col("kw_sud"));
    let kept: std::collections::BTreeSet<&str> =
        p.listings.iter().map(|l| l.sources[0].record_id.as_str()).collect();
    for r in rdr.records() {
        let r = r.unwrap();
        if &r[sud] == "1" {
            assert!(kept.contains(&r[id]), "SUD location {} kept", &r[id]);
        }
    }
    let evening = p.listings.iter().filter(|l| l.schedule.facet("evening") == Tri::Yes).count();
    let weekend = p.listings.iter().filter(|l| l.schedule.facet("weekend") == Tri::Yes).count();
    eprintln!(
        "ohana-smc: read {}, kept {}, left out {}, evening {evening}, weekend {weekend}",
        p.read,
        p.listings.len(),
        p.left_out
    );
    assert_eq!((p.read, p.listings.len(), p.left_out), (1709, 218, 1491));
    assert!(evening >= 25 && weekend >= 5);
}

#[test]
fn keywords_map_to_levels() {
    let residential = parsed().listings.iter().filter(|l| l.levels.contains("residential")).count();
    let detox = parsed().listings.iter().filter(|l| l.levels.contains("detox")).count();
    assert!(residential >= 6 && detox >= 3, "residential {residential}, detox {detox}");
}
