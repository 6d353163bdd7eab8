//! Geo: the radius is inclusive and exact (great circle, never a post-filter), the box splits at
//! the antimeridian and opens at the poles, results are nearest first with ties by id, a state
//! area takes the whole state, virtual programs match across distance, and unknown answers are
//! only included (and flagged) when asked.

mod common;

use common::*;
use iop_core::distance::{haversine_m, miles_to_m};
use iop_core::search::{Area, SearchRequest, Sort};
use iop_core::{Attr, Group};

#[test]
fn the_radius_is_inclusive_to_the_metre() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (clat, clon) = (38.0293, -78.4767);
    let (lat, lon) = (38.2, -78.1);
    let index = build(dir.path(), vec![at(listing("edge", "Edge Clinic"), lat, lon)]);
    let exact = haversine_m(clat, clon, lat, lon);
    let mut req = request();
    req.area = radius(clat, clon, exact, None);
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["edge"], "exactly on the circle is inside");
    assert_eq!(r.hits[0].distance_m, Some(exact));
    req.area = radius(clat, clon, exact - 0.001, None);
    let r = index.search(&req).expect("search");
    assert_eq!(r.total, 0, "a millimetre short is outside");
}

#[test]
fn the_box_wraps_around_the_antimeridian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            at(listing("east-179.9", "East of the line"), 51.88, 179.9),
            at(listing("west-179.9", "West of the line"), 51.88, -179.9),
            at(listing("adak", "Adak"), 51.874, -176.634),
            at(listing("attu", "Attu"), 52.93, 172.91),
            at(listing("anchorage", "Anchorage"), 61.2, -149.9),
        ],
    );
    // 30 km around a point on the line reaches both sides and nothing else.
    let mut req = request();
    req.area = radius(51.88, 179.95, 30_000.0, None);
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["east-179.9", "west-179.9"]);
    // From Adak, 460 miles reaches Attu across the line (about 440 miles), not Anchorage.
    req.area = radius(51.874, -176.634, miles_to_m(460.0), None);
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["adak", "west-179.9", "east-179.9", "attu"]);
    let d: Vec<f64> = r.hits.iter().map(|h| h.distance_m.expect("located")).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
}

#[test]
fn near_the_pole_every_longitude_is_in_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // Across the pole from the centre, about 17 km away.
            at(listing("p-across", "Across"), 89.9, 150.0),
            at(listing("p-side", "Side"), 89.9, -60.0),
            // 100 km south.
            at(listing("p-far", "Far"), 89.0, 0.0),
        ],
    );
    let mut req = request();
    req.area = radius(89.95, 0.0, 20_000.0, None);
    let r = index.search(&req).expect("search");
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["p-across", "p-side"]);
}

#[test]
fn distance_sort_breaks_ties_by_id_and_pages_stably() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut corpus = Vec::new();
    // Five listings at one point (ties), then one per mile northwards.
    for id in ["t-e", "t-a", "t-d", "t-b", "t-c"] {
        corpus.push(at(listing(id, "Same Place"), 40.0, -100.0));
    }
    for i in 1..=5 {
        corpus.push(at(listing(&format!("n-{i}"), "North"), 40.0 + i as f64 * 0.0145, -100.0));
    }
    let index = build(dir.path(), corpus);
    let mut req = request();
    req.area = radius(40.0, -100.0, miles_to_m(25.0), None);
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["t-a", "t-b", "t-c", "t-d", "t-e", "n-1", "n-2", "n-3", "n-4", "n-5"]);
    // Pages of 3 concatenate to the same order.
    let mut paged = Vec::new();
    for page in 1..=4 {
        req.page = page;
        req.per_page = 3;
        let r = index.search(&req).expect("search");
        assert_eq!(r.total, 10);
        paged.extend(ids(&r));
    }
    let all = SearchRequest { page: 1, per_page: 100, ..req.clone() };
    assert_eq!(paged, ids(&index.search(&all).expect("search")));
    // By name, then id.
    req.sort = Sort::Name;
    req.page = 1;
    req.per_page = 100;
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["n-1", "n-2", "n-3", "n-4", "n-5", "t-a", "t-b", "t-c", "t-d", "t-e"]);
}

#[test]
fn a_state_area_takes_the_whole_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            in_state(at(listing("va-east", "Norfolk"), 36.85, -76.29), "VA"),
            in_state(at(listing("va-west", "Bristol VA"), 36.6, -82.19), "VA"),
            // Bristol TN is a mile from Bristol VA but in another state.
            in_state(at(listing("tn", "Bristol TN"), 36.59, -82.18), "TN"),
            // No location at all, but a VA address: in the state.
            in_state(listing("va-nowhere", "Richmond (no point)"), "VA"),
        ],
    );
    let mut req = request();
    req.area = Some(Area::State("VA".into()));
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["va-west", "va-east", "va-nowhere"], "by name without a point");
    assert!(r.hits.iter().all(|h| h.distance_m.is_none()));
}

#[test]
fn virtual_programs_match_across_distance_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (clat, clon) = (38.03, -78.48); // Charlottesville, VA
    let serving = |mut l: iop_core::Listing, states: &[&str]| {
        l.virtual_states = states.iter().map(|s| s.to_string()).collect();
        l
    };
    let index = build(
        dir.path(),
        vec![
            // In town, virtual: matches by distance (not a virtual match).
            schedule(at(listing("local-virtual", "Local Telehealth"), 38.04, -78.49), &["virtual"]),
            // In town, evening only.
            schedule(at(listing("local-evening", "Local Evenings"), 38.02, -78.47), &["evening"]),
            // Los Angeles, virtual, serves VA: matches whatever the distance.
            serving(
                schedule(at(listing("la-virtual", "LA Online"), 34.05, -118.24), &["virtual"]),
                &["VA", "CA"],
            ),
            // No location, virtual, serves VA.
            serving(schedule(listing("nowhere-virtual", "Online Only"), &["virtual"]), &["VA"]),
            // Serves VA, but nobody says it is virtual: not a virtual program.
            serving(at(listing("la-unsaid", "LA Unsaid"), 34.06, -118.25), &["VA"]),
            // Virtual, serves only MD.
            serving(
                schedule(at(listing("md-virtual", "MD Online"), 39.29, -76.61), &["virtual"]),
                &["MD"],
            ),
        ],
    );
    let mut req = request();
    req.area = radius(clat, clon, miles_to_m(25.0), Some("VA"));
    req.filters.insert(Group::Schedule, values(&["virtual"]));
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["local-virtual", "la-virtual", "nowhere-virtual"]);
    assert_eq!(r.total, 3);
    let flags: Vec<bool> = r.hits.iter().map(|h| h.matched.virtual_match).collect();
    assert_eq!(flags, [false, true, true]);
    assert!(r.hits[1].distance_m.is_some_and(|d| d > miles_to_m(2000.0)), "distance reported");
    assert_eq!(r.hits[2].distance_m, None);
    assert_eq!(r.facets[&Group::Schedule].values["virtual"], 3, "virtual matches count in facets");

    // Without `virtual` in the schedule filter, only the radius counts.
    req.filters.insert(Group::Schedule, values(&["evening", "day"]));
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["local-evening"]);
    // Without a state for the point, no virtual matches.
    req.filters.insert(Group::Schedule, values(&["virtual"]));
    req.area = radius(clat, clon, miles_to_m(25.0), None);
    assert_eq!(ids(&index.search(&req).expect("search")), ["local-virtual"]);
    // A state area works the same way.
    req.area = Some(Area::State("VA".into()));
    let r = index.search(&req).expect("search");
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["la-virtual", "nowhere-virtual"]);
}

#[test]
fn unknown_answers_are_included_only_when_asked_and_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut partial = listing("partial-otp", "Methadone Program");
    partial.levels = Attr::partial(["otp"]);
    let index = build(
        dir.path(),
        vec![
            known(listing("yes-iop", "Yes"), Group::Level, &["iop", "op"]),
            known(listing("no-iop", "No"), Group::Level, &["op"]),
            // Nobody says anything about its levels of care.
            listing("unknown", "Unknown"),
            // Says OTP but not whether there is also an IOP: iop is unknown, not no.
            partial,
        ],
    );
    let mut req = request();
    req.filters.insert(Group::Level, values(&["iop"]));
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["yes-iop"]);
    assert_eq!(r.hits[0].matched.filters[&Group::Level], ["iop"]);
    assert!(r.hits[0].matched.unknown.is_empty());

    req.include_unknown = true;
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["partial-otp", "unknown", "yes-iop"], "by name");
    assert_eq!(r.total, 3);
    assert_eq!(r.hits[0].matched.unknown, [Group::Level]);
    assert_eq!(r.hits[1].matched.unknown, [Group::Level]);
    assert!(r.hits[1].matched.filters.is_empty());
    // Facets of the filtered group ignore its own filter: every listing counts.
    let level = &r.facets[&Group::Level];
    assert_eq!(level.values["iop"], 1);
    assert_eq!(level.values["op"], 2);
    assert_eq!(level.values["otp"], 1);
    assert_eq!(level.unknown, 1);
    assert_eq!(level.values["php"], 0, "zeros are listed");
}

#[test]
fn filter_values_outside_the_vocabulary_follow_the_same_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut partial = listing("partial", "Partial");
    partial.languages = Attr::partial(["es"]);
    let index = build(
        dir.path(),
        vec![
            // Swahili is not in the filter vocabulary, but a source may list it.
            known(listing("sw", "Swahili"), Group::Language, &["en", "sw"]),
            known(listing("en", "English only"), Group::Language, &["en"]),
            partial,
            listing("unknown", "Unknown"),
        ],
    );
    let mut req = request();
    req.filters.insert(Group::Language, values(&["sw"]));
    assert_eq!(ids(&index.search(&req).expect("search")), ["sw"]);
    req.include_unknown = true;
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["partial", "sw", "unknown"]);
    assert_eq!(r.hits[0].matched.unknown, [Group::Language]);
}

#[test]
fn a_bad_point_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(dir.path(), vec![at(listing("x", "X"), 1.0, 1.0)]);
    let mut req = request();
    req.area = radius(f64::NAN, 0.0, 1000.0, None);
    let e = index.search(&req).expect_err("NaN latitude");
    assert!(e.to_string().contains("latitude"), "{e}");
    req.area = radius(0.0, 200.0, 1000.0, None);
    assert!(index.search(&req).expect_err("longitude").to_string().contains("longitude"));
    req.area = radius(0.0, 0.0, -5.0, None);
    assert!(index.search(&req).is_err());
}

#[test]
fn a_continental_radius_is_still_exact() {
    // 6,000 km: too many grid cells, so the bounding box ranges lead the search instead.
    let dir = tempfile::tempdir().expect("tempdir");
    let points = [
        ("anchorage", 61.2, -149.9),
        ("honolulu", 21.3, -157.86),
        ("miami", 25.76, -80.19),
        ("reykjavik", 64.15, -21.94),
        ("sydney", -33.87, 151.21),
        ("attu", 52.93, 172.91),
    ];
    let corpus = points.iter().map(|(id, lat, lon)| at(listing(id, id), *lat, *lon)).collect();
    let index = build(dir.path(), corpus);
    let (clat, clon, r) = (39.0, -98.0, 6_000_000.0);
    let mut req = request();
    req.area = radius(clat, clon, r, None);
    let got = ids(&index.search(&req).expect("search"));
    let mut want: Vec<(f64, &str)> = points
        .iter()
        .map(|(id, lat, lon)| (haversine_m(clat, clon, *lat, *lon), *id))
        .filter(|(d, _)| *d <= r)
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0));
    let want: Vec<&str> = want.into_iter().map(|(_, id)| id).collect();
    assert_eq!(got, want);
    assert!(want.contains(&"anchorage") && !want.contains(&"sydney"), "{want:?}");
}
