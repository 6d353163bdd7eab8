//! Merging on real overlaps between the shipped sources, and real near-misses that must stay
//! apart. Each pinned facility was found in the data first (names and addresses as published).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_core::listing::Tri;
use iop_core::provenance::{DERIVED_PREFIX, is_derived};
use iop_core::{Attr, Field, Group, Listing};
use iop_geo::Geocoder;
use iop_ingest::merge::{merge, name_similarity, normalize_name, priority};
use iop_ingest::validate::validate;
use iop_ingest::{Ingest, IngestOptions, ingest, national2021, otp};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn shipped() -> &'static Ingest {
    static RUN: OnceLock<Ingest> = OnceLock::new();
    RUN.get_or_init(|| {
        let geo = Geocoder::load(&data_dir()).expect("the shipped geo data loads");
        ingest(&IngestOptions::shipped(data_dir()), &geo).expect("ingest runs")
    })
}

/// The listings whose name starts with `name_prefix` and whose street (the best source's)
/// starts with `street` (upper case), case-insensitively.
fn at<'a>(name_prefix: &str, street: &str) -> Vec<&'a Listing> {
    shipped()
        .listings
        .iter()
        .filter(|l| {
            l.name.to_uppercase().starts_with(&name_prefix.to_uppercase())
                && l.address.street.as_deref().is_some_and(|s| s.to_uppercase().starts_with(street))
        })
        .collect()
}

fn one<'a>(name_prefix: &str, street: &str) -> &'a Listing {
    let found = at(name_prefix, street);
    assert_eq!(found.len(), 1, "{name_prefix} at {street}: {:?}", ids(&found));
    found[0]
}

fn ids(ls: &[&Listing]) -> Vec<String> {
    ls.iter().map(|l| l.id.clone()).collect()
}

/// The source name of a provenance key (`name:record_id`).
fn source_name_of(key: &str) -> &str {
    key.split_once(':').map_or(key, |(name, _)| name)
}

fn source_names(l: &Listing) -> Vec<&str> {
    l.sources.iter().map(|s| s.name.as_str()).collect()
}

/// The listing that holds a record of `source` with this record id.
fn holding<'a>(source: &str, record_id: &str) -> &'a Listing {
    shipped()
        .listings
        .iter()
        .find(|l| l.sources.iter().any(|s| s.name == source && s.record_id == record_id))
        .unwrap_or_else(|| panic!("no listing holds {source} {record_id}"))
}

#[test]
fn charlottesville_api_records_merge_with_the_national_list() {
    // The API lists Region Ten's 800 Preston Avenue clinic twice (its MH and SA records); the
    // national list has it once. One listing, the API's id, the API's services.
    let l = one("Region Ten Community Services Board", "800 PRESTON");
    assert!(l.id.starts_with("ft-"));
    let names = source_names(l);
    assert_eq!(names.iter().filter(|n| **n == "samhsa-findtreatment").count(), 2, "{names:?}");
    assert!(names.contains(&"samhsa-locator-2021"));
    assert!(l.levels.is_known() && l.levels.contains("iop"));

    for (name, street) in [
        ("Empowering Families Program", "901 PRESTON"),
        ("Mental Wellness Now", "1363 NORTH MAIN"),
        ("Boxwood Detox and Recovery Program", "15511 GUINN"),
        ("Orchard Mountain Recovery", "355 RIO ROAD"),
    ] {
        let l = one(name, street);
        let names = source_names(l);
        assert!(
            names.contains(&"samhsa-findtreatment") && names.contains(&"samhsa-locator-2021"),
            "{name}: {names:?}"
        );
        assert!(l.id.starts_with("ft-"), "{name}: {}", l.id);
    }
}

#[test]
fn otp_directory_entries_merge_with_the_national_list() {
    // "Narcotic Drug Treatment Center, Inc." (OTP) is "Narcotic Drug Treatment Center Inc" /
    // "Center for Drug Problems" in the national list, 1015 East 6th Avenue, Anchorage.
    let l = one("Narcotic Drug Treatment Center", "1015 EAST 6TH");
    let names = source_names(l);
    assert!(names.contains(&"samhsa-otp-2021") && names.contains(&"samhsa-locator-2021"));
    assert!(l.id.starts_with("otp-"), "the OTP record outranks the national row: {}", l.id);
    assert_eq!(l.levels, Attr::partial(["otp"]));
    assert_eq!(
        l.alt_name.as_deref(),
        Some("Center for Drug Problems"),
        "filled from the national row"
    );
    let from = |f: Field| l.provenance.keys(f).map(source_name_of).collect::<Vec<_>>();
    assert_eq!(from(Field::AltName), ["samhsa-locator-2021"], "only the national row says it");
    assert_eq!(from(Field::Levels), ["samhsa-otp-2021"], "the national row says nothing of levels");

    // Staunton Treatment Center: API record, OTP entry (city Verona, ZIP 24482) and national
    // row (Staunton, 24401): one listing with the API's complete levels, which include otp.
    let l = one("Staunton Treatment Center", "15 GREEN HILLS");
    let names = source_names(l);
    for s in ["samhsa-findtreatment", "samhsa-otp-2021", "samhsa-locator-2021"] {
        assert!(names.contains(&s), "{names:?}");
    }
    assert!(l.id.starts_with("ft-"));
    assert!(l.levels.is_known(), "Known wins over Partial in the union");
    assert_eq!(l.has(Group::Level, "otp"), Tri::Yes);
    // Both the API record (complete) and the OTP entry (partial) say something of levels.
    let levels: Vec<&str> = l.provenance.keys(Field::Levels).map(source_name_of).collect();
    assert_eq!(levels, ["samhsa-findtreatment", "samhsa-otp-2021"]);
    assert_eq!(l.last_verified.as_deref(), Some("2021-07-28"), "the most recent source date");

    let pairs = &shipped().summary.merge.pairs;
    assert!(pairs["samhsa-locator-2021 + samhsa-otp-2021"] > 1_000, "{pairs:?}");
}

#[test]
fn dhcs_licenses_merge_with_the_2025_california_records() {
    // Altus Rehab, Encino: a 2025 FindTreatment record (no street) and DHCS license 191196AP.
    let l = holding("ca-dhcs", "191196AP");
    assert_eq!(l.name, "Altus Rehab");
    assert!(l.id.starts_with("ftca2025-"), "{}", l.id);
    assert!(source_names(l).contains(&"samhsa-findtreatment-2025-ca"));
    assert_eq!(l.address.street.as_deref(), Some("18084 RANCHO STREET"), "filled from DHCS");
    assert!(l.levels.is_known() && l.levels.contains("residential"));
    assert!(l.description.as_deref().is_some_and(|d| d.contains("California DHCS")));
    let pairs = &shipped().summary.merge.pairs;
    assert!(pairs["ca-dhcs + samhsa-findtreatment-2025-ca"] > 100, "{pairs:?}");
}

#[test]
fn different_facilities_in_one_building_stay_apart() {
    // 3151 Airway Avenue, Costa Mesa 92626: an office park with several unrelated licensed
    // programs (DHCS licenses below; the national list has three of them too).
    let licenses = ["300045LP", "300283AP", "300331AP", "300659DP", "300065CP", "300666CP"];
    let listings: Vec<&Listing> = licenses.iter().map(|lic| holding("ca-dhcs", lic)).collect();
    let mut distinct = ids(&listings);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), licenses.len(), "each program keeps its own listing");
    // Breakaway Health is in both lists and does merge.
    let breakaway = holding("ca-dhcs", "300065CP");
    assert!(source_names(breakaway).contains(&"samhsa-locator-2021"), "{:?}", breakaway.sources);

    // 505 San Marin Drive, Novato: Avery Lane (women) and Golden Gate Recovery (men).
    assert_ne!(holding("ca-dhcs", "210049AP").id, holding("ca-dhcs", "210052AP").id);

    // 85 Sangers Lane, Staunton: PACT and Valley Community Services Board, both API records.
    let pact = one("PACT", "85 SANGERS");
    let valley = one("Valley Community Services Board", "85 SANGERS");
    assert_ne!(pact.id, valley.id);
}

#[test]
fn one_operators_sites_at_different_addresses_stay_apart() {
    // "Safe Refuge" has twelve national rows in Long Beach, on Freeman Avenue, Obispo Avenue,
    // Redondo Avenue and East 7th Street, and the 2025 California file has it without a
    // street. Each street keeps its own listing; the houses of one block of East 7th Street
    // (3111-3139, within 150 m) are one campus.
    let sites: Vec<&Listing> = ["728 ", "1046 REDONDO", "729 OBISPO"]
        .iter()
        .map(|street| one("Safe Refuge", street))
        .collect();
    let mut distinct = ids(&sites);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
    // ABC Recovery Center, Indio: residential on Palm Street, outpatient on Indio Boulevard.
    assert_ne!(holding("ca-dhcs", "330001AN").id, holding("ca-dhcs", "330001BN").id);
    // AToN Center, Encinitas: houses at 3250, 3238 and 3225 Country Rose Circle, all within
    // 150 m of each other, are one campus; the house on Western Springs Road is another site.
    // (3262 Country Rose Circle is 160 m from 3225 and stays apart: the rule is conservative.)
    let campus = holding("ca-dhcs", "370122AP");
    for lic in ["370122CP", "370122FP"] {
        assert_eq!(holding("ca-dhcs", lic).id, campus.id, "{lic}");
    }
    assert_ne!(holding("ca-dhcs", "370122DP").id, campus.id);
}

#[test]
fn ids_come_from_the_highest_priority_source() {
    let prefix_of = |source: &str| match source {
        "samhsa-findtreatment" => "ft-",
        "samhsa-locator-2018" => "loc2018-",
        "samhsa-findtreatment-2025-ca" => "ftca2025-",
        "samhsa-otp-2021" => "otp-",
        "samhsa-locator-2021" => "samhsa-",
        "ca-dhcs" => "dhcs-",
        "miami-211" => "m211-",
        other => panic!("unexpected source {other}"),
    };
    let mut merged = 0;
    for l in &shipped().listings {
        let best = l.sources.iter().map(|s| s.name.as_str()).min_by_key(|n| priority(n));
        let best = best.expect("every listing has a source");
        assert!(l.id.starts_with(prefix_of(best)), "{} has sources {:?}", l.id, source_names(l));
        if l.sources.len() > 1 {
            merged += 1;
            let newest = l.sources.iter().filter_map(|s| s.retrieved.clone()).max();
            assert_eq!(l.last_verified, newest, "{}", l.id);
        }
    }
    assert!(merged > 1_500, "{merged}");
}

#[test]
fn merge_is_order_independent_on_real_records() {
    // Virginia's copies from the API pages, the OTP directory and the national list, validated,
    // merged in file order and in reverse: the same listings with the same ids and sources.
    let geo = Geocoder::load(&data_dir()).expect("the shipped geo data loads");
    let samhsa = data_dir().join("samhsa");
    let mut parsed = Vec::new();
    for (file, _) in iop_ingest::findtreatment::SHIPPED {
        parsed.push(iop_ingest::findtreatment::parse(&samhsa.join(file)).expect("parses"));
    }
    parsed
        .push(otp::parse(&samhsa.join("samhsa_otp_directory_geocoded_2021.csv")).expect("parses"));
    parsed.push(
        national2021::parse(&samhsa.join("samhsa_sud_facilities_national_2021.csv"))
            .expect("parses"),
    );
    let mut copies = Vec::new();
    for p in parsed {
        for (i, l) in p.listings.into_iter().enumerate() {
            if l.address.state.as_deref() != Some("VA") {
                continue;
            }
            let (kept, _) = validate(l, "test", i + 1, &geo);
            copies.extend(kept);
        }
    }
    let (forward, stats) = merge(copies.clone());
    assert!(stats.merged > 50, "{stats:?}");
    copies.reverse();
    let (backward, _) = merge(copies);
    let key = |ls: &[Listing]| {
        let mut v: Vec<(String, Vec<String>)> = ls
            .iter()
            .map(|l| {
                let mut s: Vec<String> =
                    l.sources.iter().map(|s| format!("{}:{}", s.name, s.record_id)).collect();
                s.sort();
                (l.id.clone(), s)
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&forward), key(&backward));
    // And the same provenance, field by field.
    let provenance = |ls: &[Listing]| {
        let mut v: Vec<(String, iop_core::Provenance)> =
            ls.iter().map(|l| (l.id.clone(), l.provenance.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(provenance(&forward), provenance(&backward));
    // Merged listings do not merge again.
    let (again, stats) = merge(forward.clone());
    assert_eq!((again.len(), stats.merged), (forward.len(), 0));
}

#[test]
fn names_compare_on_what_identifies_them() {
    assert_eq!(normalize_name("C.O.R.E. Medical Clinic, Inc."), "core medical clinic");
    assert_eq!(normalize_name("CORE Medical Clinic Inc"), "core medical clinic");
    assert!(name_similarity("New Dawn Recovery Centers", "NEW DAWN TREATMENT CENTERS") >= 0.75);
    // Trade words alone do not make two names alike.
    assert!(name_similarity("Reflection and Recovery Inc", "ATLAS RECOVERY CENTER") < 0.5);
    assert!(name_similarity("Bridge One", "NEW BRIDGE FOUNDATION") < 0.75);
}

#[test]
fn region_ten_says_which_record_states_each_field() {
    // 800 Preston Avenue, Charlottesville: the API's SA record (frid 39d6..., with "Peterson
    // Building" and www.regionten.org, listing buprenorphine), its MH record (frid a1e8..., no
    // second street line, regionten.org without www, telehealth) and national row 13028 (the
    // same address and point, nothing about services).
    let l = one("Region Ten Community Services Board", "800 PRESTON");
    let sa =
        "samhsa-findtreatment:39d6ca2b067e9d7bb435d81d51b2c7876939f82b9c92612142d4239277b3d5e6";
    let mh =
        "samhsa-findtreatment:a1e806914f668fd6a36b204da022a61d8ba326606c1ae99cd3b47f0a1bab4fe8";
    let national = "samhsa-locator-2021:row 13028";
    for key in [sa, mh, national] {
        assert!(l.source_of_key(key).is_some(), "{key} is not among {:?}", l.sources);
    }
    let of = |f: Field| l.provenance.keys(f).collect::<Vec<_>>();
    // All three say the same name (the national row in other case), address and point.
    assert_eq!(of(Field::Name), [sa, mh, national]);
    assert_eq!(of(Field::Address), [sa, mh, national]);
    assert_eq!(l.address.street2.as_deref(), Some("Peterson Building"));
    assert_eq!(of(Field::Location), [sa, mh, national]);
    // The two API records agree on the phone and describe the groups; the union is theirs.
    for f in [
        Field::PhoneMain,
        Field::Levels,
        Field::Modalities,
        Field::Payments,
        Field::Populations,
        Field::Languages,
        Field::Services,
    ] {
        assert_eq!(of(f), [sa, mh], "{}", f.as_str());
    }
    // What only one record says keeps only that record.
    assert_eq!(l.website.as_deref(), Some("http://www.regionten.org"));
    assert_eq!(of(Field::Website), [sa], "the MH record's regionten.org is another value");
    assert_eq!(of(Field::Medications), [sa]);
    assert!(l.medications.contains("buprenorphine"));
    assert_eq!(of(Field::Schedule), [mh], "telehealth is in the MH record only");
    assert_eq!(l.schedule.facet("virtual"), Tri::Yes);
    // What no record says has no provenance.
    for f in [
        Field::AltName,
        Field::Description,
        Field::PhoneIntake,
        Field::PhoneHotline,
        Field::VirtualStates,
        Field::AcceptingNewClients,
    ] {
        assert!(!l.provenance.has(f), "{}", f.as_str());
    }
}

#[test]
fn every_stated_field_of_every_listing_has_provenance_and_nothing_else_does() {
    let mut derived = 0;
    for l in &shipped().listings {
        for f in Field::ALL {
            assert_eq!(
                l.provenance.has(f),
                f.stated_by(l),
                "{} {}: {:?}",
                l.id,
                f.as_str(),
                l.provenance
            );
            for key in l.provenance.keys(f) {
                if is_derived(key) {
                    derived += 1;
                    assert!(key.starts_with(DERIVED_PREFIX));
                } else {
                    assert!(l.source_of_key(key).is_some(), "{}: {key} names no source", l.id);
                }
            }
        }
        // A centroid is derived, and only a centroid is (the shipped sources give no
        // approximate points of their own).
        let centroid = l.provenance.keys(Field::Location).any(is_derived);
        assert_eq!(centroid, l.location.is_some_and(|p| p.approximate), "{}", l.id);
    }
    assert!(derived > 100, "{derived}");
}

#[test]
fn the_shipped_sheet_states_the_schedule_beside_the_211_record() {
    let l = holding("miami-211", "8852");
    let schedule: Vec<&str> = l.provenance.keys(Field::Schedule).collect();
    assert_eq!(
        schedule,
        ["miami-211:8852", "program-sheet:multicultural-care-centers-broward.toml"]
    );
    assert!(l.provenance.keys(Field::Name).eq(["miami-211:8852"]));
    // The record's point is its ZIP's centroid, and says so.
    assert!(l.provenance.keys(Field::Location).eq(["derived:zip-centroid"]));
}
