//! A seeded generator of synthetic listings and of a fixed search workload, for benchmarks only.
//!
//! Listings cluster around real ZIP (ZCTA) centroids from the shipped Census gazetteer, with the
//! state from the GeoNames postal file; names come from word lists; attribute mixes follow what
//! the SAMHSA data looks like (outpatient common, IOP about a third, many groups unknown). Every
//! listing names the source `synthetic`: this is never shipped as data.
//!
//! Used by `benches/search.rs` and `examples/bench_scale.rs` through `#[path]`, so it is not part
//! of the library.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use iop_core::search::{Area, SearchRequest, Sort};
use iop_core::{Address, Attr, Group, Listing, Location, Phones, SourceRef};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/geo");

/// A ZIP centroid with its state.
#[derive(Clone, Debug)]
pub struct Zip {
    pub zip: String,
    pub lat: f64,
    pub lon: f64,
    pub state: String,
}

/// Reads the ZCTA centroids that have a state in the GeoNames postal file.
pub fn zips() -> Vec<Zip> {
    let mut states: HashMap<String, String> = HashMap::new();
    let mut rdr = csv::Reader::from_path(format!("{DATA}/geonames_us_postal_codes_2019.csv"))
        .expect("geonames postal file");
    for rec in rdr.records() {
        let rec = rec.expect("geonames row");
        let (zip, st) = (&rec[1], &rec[4]);
        if st.len() == 2 {
            states.insert(zip.to_owned(), st.to_owned());
        }
    }
    let mut out = Vec::new();
    let mut rdr =
        csv::Reader::from_path(format!("{DATA}/zcta_centroids_2023_census_gazetteer.csv"))
            .expect("zcta file");
    for rec in rdr.records() {
        let rec = rec.expect("zcta row");
        if let Some(st) = states.get(&rec[0]) {
            out.push(Zip {
                zip: rec[0].to_owned(),
                lat: rec[1].parse().expect("lat"),
                lon: rec[2].parse().expect("lon"),
                state: st.clone(),
            });
        }
    }
    out
}

const PREFIX: &[&str] = &[
    "Blue Ridge",
    "Harbor",
    "New Hope",
    "Riverside",
    "Cedar",
    "Summit",
    "Sunrise",
    "Pathways",
    "Bridgeway",
    "Beacon",
    "Lakeside",
    "Valley",
    "Mountain View",
    "Oak Grove",
    "Fresh Start",
    "Crossroads",
    "Horizon",
    "Serenity",
    "Genesis",
    "Pinnacle",
    "Northside",
    "Southside",
    "Community",
    "County",
    "Unity",
    "Compass",
    "Turning Point",
    "Phoenix",
    "Cornerstone",
    "Hope",
];
const CORE: &[&str] = &[
    "Recovery",
    "Behavioral Health",
    "Counseling",
    "Wellness",
    "Treatment",
    "Addiction Services",
    "Family Services",
    "Substance Abuse",
    "Mental Health",
    "Health",
    "Outreach",
    "Care",
];
const SUFFIX: &[&str] =
    &["Center", "Clinic", "Program", "Associates", "Services", "Institute", "House", "Network"];
const SENTENCES: &[&str] = &[
    "Intensive outpatient program with evening groups three nights a week.",
    "Office-based buprenorphine treatment and counseling.",
    "Services are available in Spanish.",
    "We accept Medicaid and most private insurance.",
    "Dual diagnosis treatment for co-occurring mental health conditions.",
    "Partial hospitalization and intensive outpatient levels of care.",
    "Telehealth sessions available statewide.",
    "Gender-specific groups for women.",
    "Adolescent outpatient program with family therapy.",
    "Relapse prevention, cognitive behavioral therapy and twelve step facilitation.",
    "Medication-assisted treatment including naltrexone (Vivitrol).",
    "Sliding fee scale for uninsured clients.",
];
const SERVICES: &[&str] = &[
    "Cognitive behavioral therapy",
    "Relapse prevention",
    "Substance use disorder counseling",
    "Medicaid",
    "Private health insurance",
    "Cash or self-payment",
    "Group counseling",
    "Individual counseling",
    "Family counseling",
    "Case management service",
    "Buprenorphine used in Treatment",
    "Naltrexone used in Treatment",
    "Telemedicine/telehealth",
    "Intensive outpatient treatment",
    "Outpatient",
    "Spanish",
    "Veterans",
    "Adult women",
];

/// (value, probability it holds when the group is known)
type Mix = &'static [(&'static str, f64)];
const LEVELS: Mix = &[
    ("op", 0.75),
    ("iop", 0.35),
    ("php", 0.08),
    ("residential", 0.12),
    ("detox", 0.1),
    ("otp", 0.07),
    ("hospital_inpatient", 0.03),
];
const MODALITIES: Mix = &[
    ("cbt", 0.6),
    ("dbt", 0.25),
    ("mi", 0.5),
    ("contingency_management", 0.15),
    ("relapse_prevention", 0.55),
    ("family", 0.35),
    ("group", 0.7),
    ("individual", 0.8),
    ("trauma", 0.4),
    ("twelve_step", 0.3),
    ("matrix", 0.1),
    ("case_management", 0.45),
    ("peer_support", 0.2),
    ("holistic", 0.1),
    ("medication_management", 0.3),
];
const MEDICATIONS: Mix = &[
    ("buprenorphine", 0.45),
    ("methadone", 0.12),
    ("naltrexone", 0.4),
    ("acamprosate", 0.15),
    ("disulfiram", 0.1),
];
const SCHEDULE: Mix = &[("day", 0.85), ("evening", 0.45), ("weekend", 0.15), ("virtual", 0.3)];
const PAYMENTS: Mix = &[
    ("medicaid", 0.65),
    ("medicare", 0.4),
    ("private_insurance", 0.6),
    ("self_pay", 0.85),
    ("sliding_scale", 0.4),
    ("free", 0.08),
    ("military", 0.2),
    ("va", 0.08),
    ("ihs", 0.04),
    ("state_funded", 0.3),
    ("payment_assistance", 0.15),
];
const POPULATIONS: Mix = &[
    ("adolescents", 0.2),
    ("young_adults", 0.4),
    ("adults", 0.9),
    ("seniors", 0.4),
    ("women", 0.5),
    ("men", 0.5),
    ("pregnant_postpartum", 0.12),
    ("veterans", 0.2),
    ("lgbtq", 0.2),
    ("criminal_justice", 0.35),
    ("co_occurring", 0.45),
    ("deaf_hoh", 0.05),
];
const LANGUAGES: Mix = &[
    ("en", 0.97),
    ("es", 0.35),
    ("asl", 0.05),
    ("zh", 0.02),
    ("vi", 0.02),
    ("fr", 0.02),
    ("ru", 0.01),
    ("ar", 0.01),
    ("ko", 0.01),
    ("tl", 0.01),
    ("ht", 0.01),
];

/// Probability a group is unknown / partially known (the rest is known).
fn odds(g: Group) -> (f64, f64, Mix) {
    match g {
        Group::Level => (0.15, 0.1, LEVELS),
        Group::Modality => (0.45, 0.05, MODALITIES),
        Group::Medication => (0.55, 0.1, MEDICATIONS),
        Group::Schedule => (0.6, 0.0, SCHEDULE),
        Group::Payment => (0.35, 0.05, PAYMENTS),
        Group::Population => (0.5, 0.05, POPULATIONS),
        Group::Language => (0.4, 0.05, LANGUAGES),
    }
}

/// The generator.
pub struct Synth {
    zips: Vec<Zip>,
    rng: SmallRng,
}

impl Synth {
    /// A generator over the shipped ZIP centroids.
    pub fn new(seed: u64) -> Synth {
        Synth { zips: zips(), rng: SmallRng::seed_from_u64(seed) }
    }

    pub fn zips(&self) -> &[Zip] {
        &self.zips
    }

    /// Listing number `i` (the sequence is fixed by the seed).
    pub fn listing(&mut self, i: u64) -> Listing {
        let rng = &mut self.rng;
        let zip = self.zips.choose(rng).expect("zips").clone();
        // A few kilometres around the centroid.
        let jitter = |rng: &mut SmallRng| (rng.random::<f64>() + rng.random::<f64>() - 1.0) * 0.04;
        let lat = (zip.lat + jitter(rng)).clamp(-90.0, 90.0);
        let mut lon = zip.lon + jitter(rng);
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        let name = format!(
            "{} {} {}",
            PREFIX.choose(rng).expect("p"),
            CORE.choose(rng).expect("c"),
            SUFFIX.choose(rng).expect("s")
        );
        let mut l = Listing {
            id: iop_core::id::stable_id("syn", &i.to_string()),
            name,
            alt_name: rng.random_bool(0.1).then(|| format!("{} IOP", CORE.choose(rng).expect("c"))),
            address: Address {
                street: Some(format!("{} Main St", rng.random_range(1..9999))),
                street2: None,
                city: Some("Synthville".into()),
                state: Some(zip.state.clone()),
                zip: Some(zip.zip.clone()),
            },
            location: Some(Location { lat, lon, approximate: rng.random_bool(0.1) }),
            phones: Phones {
                main: Some(format!("+1555{:07}", rng.random_range(0..10_000_000))),
                ..Phones::default()
            },
            website: rng.random_bool(0.6).then(|| format!("https://example.org/p/{i}")),
            sources: vec![SourceRef {
                name: "synthetic".into(),
                record_id: i.to_string(),
                retrieved: None,
                license: None,
            }],
            ..Listing::default()
        };
        let n = rng.random_range(0..3);
        if n > 0 {
            let s: Vec<&str> = (0..n).map(|_| *SENTENCES.choose(rng).expect("s")).collect();
            l.description = Some(s.join(" "));
        }
        let n = rng.random_range(0..8);
        l.services = (0..n).map(|_| SERVICES.choose(rng).expect("s").to_string()).collect();
        for g in Group::ALL {
            let (unknown, partial, mix) = odds(g);
            let r: f64 = rng.random();
            if r < unknown {
                continue;
            }
            let values: Vec<&str> =
                mix.iter().filter(|(_, p)| rng.random_bool(*p)).map(|(v, _)| *v).collect();
            if g == Group::Schedule {
                // Hours known: day/evening/weekend known either way; virtual only as a yes.
                for f in ["day", "evening", "weekend"] {
                    if values.contains(&f) {
                        l.schedule.set_facet(f);
                    } else {
                        l.schedule.facets_not_offered.insert(f.to_owned());
                    }
                }
                if values.contains(&"virtual") {
                    l.schedule.set_facet("virtual");
                }
                continue;
            }
            let attr =
                if r < unknown + partial { Attr::partial(values) } else { Attr::known(values) };
            *l.attr_mut(g).expect("list group") = attr;
        }
        if l.schedule.facets.contains("virtual") {
            let mut states = BTreeSet::from([zip.state.clone()]);
            if rng.random_bool(0.2) {
                states.insert(self.zips.choose(rng).expect("z").state.clone());
            }
            l.virtual_states = states;
        }
        l
    }

    /// Listings `0..n`, generated as they are consumed.
    pub fn listings(mut self, n: u64) -> impl Iterator<Item = Listing> {
        (0..n).map(move |i| self.listing(i))
    }
}

/// The workload classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Location,
    LocationFilters,
    LocationText,
    Text,
    State,
    Virtual,
}

impl Class {
    pub const ALL: [Class; 6] = [
        Class::Location,
        Class::LocationFilters,
        Class::LocationText,
        Class::Text,
        Class::State,
        Class::Virtual,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Location => "location",
            Class::LocationFilters => "location+filters",
            Class::LocationText => "location+text",
            Class::Text => "text",
            Class::State => "state",
            Class::Virtual => "virtual",
        }
    }
}

const TEXTS: &[&str] = &[
    "suboxone",
    "iop",
    "evening",
    "spanish",
    "intensive outpatient",
    "medicaid",
    "methadone",
    "bupernorphine",
    "dual diagnosis",
    "women",
    "teen",
    "counseling",
    "recovery center",
    "cbt",
    "telehealth",
    "intens",
    "vivitrol",
    "family therapy",
    "harbor recovery",
    "detox",
    "sliding fee",
    "veterans",
    "twelve step",
    "blue ridge",
    "php",
    "trauma",
    "naltrexone",
    "iop evening",
    "spanish iop",
    "wellness clinic",
];

/// Common filters: (group, values).
const FILTERS: &[(Group, &[&str])] = &[
    (Group::Level, &["iop"]),
    (Group::Level, &["iop", "php"]),
    (Group::Payment, &["medicaid"]),
    (Group::Payment, &["private_insurance", "self_pay"]),
    (Group::Schedule, &["evening"]),
    (Group::Schedule, &["evening", "weekend"]),
    (Group::Language, &["es"]),
    (Group::Medication, &["buprenorphine"]),
    (Group::Modality, &["cbt", "dbt"]),
    (Group::Population, &["women"]),
    (Group::Population, &["adolescents"]),
];

fn add_filters(rng: &mut SmallRng, filters: &mut BTreeMap<Group, Vec<String>>, n: usize) {
    for _ in 0..n {
        let (g, v) = FILTERS.choose(rng).expect("f");
        filters.insert(*g, v.iter().map(|s| s.to_string()).collect());
    }
}

/// A fixed, seeded workload: `per_class` queries of every class, interleaved.
pub fn workload(seed: u64, zips: &[Zip], per_class: usize) -> Vec<(Class, SearchRequest)> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut out = Vec::new();
    for _ in 0..per_class {
        for class in Class::ALL {
            let zip = zips.choose(&mut rng).expect("zips");
            let miles = *[10.0, 25.0, 25.0, 25.0, 50.0, 100.0].choose(&mut rng).expect("r");
            let near = Some(Area::Radius {
                lat: zip.lat,
                lon: zip.lon,
                radius_m: iop_core::distance::miles_to_m(miles),
                state: Some(zip.state.clone()),
            });
            let text = Some(TEXTS.choose(&mut rng).expect("t").to_string());
            let mut filters = BTreeMap::new();
            let mut req = SearchRequest {
                page: if rng.random_bool(0.1) { 2 } else { 1 },
                per_page: 20,
                sort: Sort::Auto,
                ..SearchRequest::default()
            };
            match class {
                Class::Location => req.area = near,
                Class::LocationFilters => {
                    req.area = near;
                    let n = rng.random_range(1..=3);
                    add_filters(&mut rng, &mut filters, n);
                    req.include_unknown = rng.random_bool(0.3);
                }
                Class::LocationText => {
                    req.area = near;
                    req.text = text;
                }
                Class::Text => req.text = text,
                Class::State => {
                    req.area = Some(Area::State(zip.state.clone()));
                    if rng.random_bool(0.5) {
                        add_filters(&mut rng, &mut filters, 1);
                    }
                }
                Class::Virtual => {
                    req.area = near;
                    filters.insert(Group::Schedule, vec!["virtual".to_owned()]);
                    if rng.random_bool(0.5) {
                        add_filters(&mut rng, &mut filters, 1);
                        let schedule = filters.entry(Group::Schedule).or_default();
                        if !schedule.iter().any(|v| v == "virtual") {
                            schedule.push("virtual".to_owned());
                        }
                    }
                }
            }
            req.filters = filters;
            out.push((class, req));
        }
    }
    out
}
