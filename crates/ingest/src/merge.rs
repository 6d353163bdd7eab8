//! Merging the same facility across sources into one listing.
//!
//! The same clinic can appear in the FindTreatment API records, the 2018 locator export, the
//! 2025 California records, the OTP directory, the national 2021 list and the DHCS list. Each
//! copy knows different things (services here, a phone there, a precise point elsewhere), so
//! [`merge`] finds the copies and joins them into one [`Listing`] that knows the union.
//!
//! Finding copies without comparing every pair: candidate pairs are listings within about a
//! kilometre of each other (a spatial grid of 0.01° cells), listings with the same ZIP and
//! street number (a geocoding error can put one copy kilometres away), and listings sharing a
//! ZIP when one is placed only at a centroid. A candidate pair is the same facility when the
//! names agree (see [`name_similarity`]) and the places agree:
//! - the same address (street number, street name and ZIP), or less than [`STRONG_M`] apart
//!   without conflicting street numbers: names must be similar ([`SIMILAR`]), or one name must
//!   contain all the words of the other, with at least one distinctive word;
//! - less than [`NEAR_M`] apart without conflicting street numbers, or less than [`STRONG_M`]
//!   apart on the same street (a campus, a typo in a number): names must be nearly the same
//!   ([`VERY_SIMILAR`]);
//! - listings placed only approximately (at a centroid) merge only on the same address, or on a
//!   nearly identical name in the same ZIP with no conflicting street number.
//!
//! One operator's sites often share a name and sit a few blocks apart ("Aletheia House" in
//! Birmingham; "Safe Refuge" has twelve addresses in Long Beach, some geocoded to one point),
//! which is why different addresses block every rule but the campus one. Two facilities in one
//! building with different names stay apart. Names made only of trade words ("Womens
//! Treatment Program", "Mens Treatment Program") are compared by their words, never as near
//! identical strings. Clusters are built with union-find, and a union is refused when it would
//! put two listings of the same source with dissimilar names into one listing (a bridge
//! through a third copy).
//!
//! The merged listing keeps the id of its highest-priority source's record (see [`priority`]),
//! so ids are stable across rebuilds as long as that record exists.
//!
//! Provenance is joined as the values are: a group the copies union (levels, schedule,
//! services, ...) is credited to every copy that states it; a single value (a phone, the point,
//! the web site) to the copies that hold that very value, so a value only one copy had keeps
//! only that copy's source ([`iop_core::Provenance::of_merge`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use iop_core::distance::haversine_m;
use iop_core::{Listing, Provenance};
use serde::Serialize;

/// Metres under which two listings are at the same place.
pub const STRONG_M: f64 = 150.0;
/// Metres under which two listings with nearly the same name are the same facility.
pub const NEAR_M: f64 = 1_000.0;
/// Name similarity required with a strong place match.
pub const SIMILAR: f64 = 0.75;
/// Name similarity required with a weaker place match.
pub const VERY_SIMILAR: f64 = 0.92;

/// What the merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MergeStats {
    /// Listings in.
    pub input: usize,
    /// Listings out.
    pub output: usize,
    /// Listings folded into another (`input - output`).
    pub merged: usize,
    /// How many copies were joined, by pair of sources (`"a + b"`, names in order).
    pub pairs: BTreeMap<String, usize>,
}

/// The priority of a source for ids and for conflicting facts: lower wins. The live API first
/// (richest, most recent vintage of the federal data), then older federal exports, then the
/// OTP directory and national list (locations only), then the state list, then anything else.
pub fn priority(source: &str) -> usize {
    match source {
        crate::findtreatment::SOURCE_NAME => 0,
        crate::locator2018::SOURCE_NAME => 1,
        crate::ca2025::SOURCE_NAME => 2,
        crate::otp::SOURCE => 3,
        crate::national2021::SOURCE => 4,
        crate::dhcs::SOURCE => 5,
        _ => 6,
    }
}

/// Words that say nothing about which facility a name is.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "at",
    "the",
    "of",
    "for",
    "in",
    "on",
    "to",
    "dba",
    "aka",
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "lp",
    "llp",
    "pc",
    "pllc",
    "pa",
    "corp",
    "corporation",
    "co",
    "company",
    "center",
    "centers",
    "centre",
    "ctr",
    "service",
    "services",
    "svcs",
    "svc",
    "srvs",
    "servs",
    "program",
    "programs",
    "prog",
    "prg",
];

/// Words too common in treatment names to identify a facility on their own.
const GENERIC: &[&str] = &[
    "treatment",
    "recovery",
    "health",
    "healthcare",
    "behavioral",
    "behavior",
    "mental",
    "counseling",
    "clinic",
    "substance",
    "abuse",
    "addiction",
    "addictions",
    "drug",
    "alcohol",
    "rehabilitation",
    "rehab",
    "care",
    "family",
    "community",
    "medical",
    "hospital",
    "county",
    "outpatient",
    "residential",
    "detox",
    "house",
    "home",
    "new",
    "life",
    "hope",
    "chemical",
    "dependency",
    "wellness",
    "adult",
    "adults",
    "youth",
    "women",
    "men",
    "intensive",
    "opioid",
    "methadone",
    "comprehensive",
    "integrated",
    "solutions",
    "group",
    "foundation",
    "inpatient",
    "partial",
    "hospitalization",
    "day",
    "south",
    "north",
    "east",
    "west",
    "central",
    "regional",
    "healing",
    "institute",
    "medicine",
    "associates",
    "clinical",
    "therapy",
    "psychiatric",
    "department",
    "dept",
    "division",
    "unit",
    "agency",
    "systems",
    "network",
];

/// A name reduced to the words that identify it: lower case, punctuation dropped, legal forms
/// and filler words ("inc", "the", "center", "services") removed, a few abbreviations spelled
/// out. `"The Haven Center, Inc."` becomes `"haven"`.
pub fn normalize_name(name: &str) -> String {
    tokens(name).join(" ")
}

fn tokens(name: &str) -> Vec<String> {
    let lower = name.to_lowercase().replace('&', " and ").replace(['\'', '\u{2019}'], "");
    let mut out: Vec<String> = Vec::new();
    // Initials written with dots or spaces ("C.O.R.E.", "C S B") are one word.
    let mut initials = String::new();
    for t in lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        if t.chars().count() == 1 && t.chars().all(char::is_alphabetic) {
            initials.push_str(t);
            continue;
        }
        if initials.len() > 1 {
            out.push(std::mem::take(&mut initials));
        }
        initials.clear();
        let t = match t {
            "st" => "saint",
            "mt" => "mount",
            "hlth" => "health",
            "bhvrl" | "behav" | "bh" => "behavioral",
            "cnty" => "county",
            "trtmt" | "trmt" | "trt" | "tx" => "treatment",
            "wmn" | "womens" => "women",
            "mens" => "men",
            other => other,
        };
        out.push(t.to_owned());
    }
    if initials.len() > 1 {
        out.push(initials);
    }
    out.retain(|t| !STOPWORDS.contains(&t.as_str()));
    out
}

/// How much a word says about which facility a name is: filler words of the trade say little.
fn weight(token: &str) -> f64 {
    if GENERIC.contains(&token) || is_state_name(token) {
        0.3
    } else if token.bytes().all(|b| b.is_ascii_digit()) {
        0.5
    } else {
        1.0
    }
}

fn is_state_name(token: &str) -> bool {
    iop_core::states::STATES.iter().any(|s| s.name.eq_ignore_ascii_case(token))
}

/// Name similarity in 0..=1 of two names: the better of a weighted word-overlap score (Dice
/// coefficient where trade words such as "treatment" or "recovery" count less than the words
/// that name the place, and words match when equal or nearly so: "counselling" ~ "counseling")
/// and, for names that are nearly the same string, Jaro-Winkler on the normalised text.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    NameKey::new(a).similarity(&NameKey::new(b)).0
}

/// One name, prepared for comparison.
#[derive(Clone, Debug)]
struct NameKey {
    tokens: Vec<String>,
    joined: String,
}

impl NameKey {
    fn new(name: &str) -> NameKey {
        let tokens = tokens(name);
        let joined = tokens.join(" ");
        NameKey { tokens, joined }
    }

    /// (similarity, whether the shorter name has a distinctive word and all its words are in
    /// the longer one: "HAART" in "Humanistic Alternatives to Addiction ... (HAART)").
    fn similarity(&self, other: &NameKey) -> (f64, bool) {
        if self.tokens.is_empty() || other.tokens.is_empty() {
            return (0.0, false);
        }
        if self.joined == other.joined {
            return (1.0, true);
        }
        let word_eq = |a: &str, b: &str| {
            a == b || (a.len() >= 5 && b.len() >= 5 && strsim::jaro_winkler(a, b) >= 0.93)
        };
        // Weight of the words of `xs` found in `ys`, and the total weight of `xs`.
        let matched = |xs: &[String], ys: &[String]| {
            xs.iter().fold((0.0, 0.0), |(m, t), x| {
                let w = weight(x);
                (if ys.iter().any(|y| word_eq(x, y)) { m + w } else { m }, t + w)
            })
        };
        let (ma, ta) = matched(&self.tokens, &other.tokens);
        let (mb, tb) = matched(&other.tokens, &self.tokens);
        let dice = (ma + mb) / (ta + tb);
        // Names that differ by a number ("Passages 8", "Passages 9") are different sites:
        // the string distance says they are near-identical, so it does not count then.
        let numbers = |t: &[String]| {
            t.iter().filter(|w| w.bytes().all(|b| b.is_ascii_digit())).cloned().collect::<Vec<_>>()
        };
        let (na, nb) = (numbers(&self.tokens), numbers(&other.tokens));
        let numbers_differ = !na.is_empty() && !nb.is_empty() && na != nb;
        let jw = strsim::jaro_winkler(&self.joined, &other.joined);
        // Nor when a name has only trade words ("Womens Treatment" ~ "Mens Treatment").
        let distinctive = |t: &[String]| t.iter().any(|w| weight(w) == 1.0);
        let jw_counts = !numbers_differ && distinctive(&self.tokens) && distinctive(&other.tokens);
        let sim = if jw >= VERY_SIMILAR && jw_counts { dice.max(jw) } else { dice };
        let (short, long) = if self.tokens.len() <= other.tokens.len() {
            (&self.tokens, &other.tokens)
        } else {
            (&other.tokens, &self.tokens)
        };
        let contained = short.iter().any(|t| t.len() >= 3 && weight(t) == 1.0)
            && short.iter().all(|t| long.iter().any(|l| word_eq(t, l)));
        (sim, contained)
    }
}

/// What the merge compares of one listing.
#[derive(Debug)]
struct Key {
    /// The name first, then each program name in `alt_name` ("a; b").
    names: Vec<NameKey>,
    street_no: Option<String>,
    /// The street's own name ("preston" for "800 Preston Avenue").
    street_name: Option<String>,
    zip: Option<String>,
    lat: f64,
    lon: f64,
    precise: bool,
    located: bool,
    source: String,
    priority: usize,
}

impl Key {
    fn of(l: &Listing) -> Key {
        let mut names = vec![NameKey::new(&l.name)];
        if let Some(alt) = &l.alt_name {
            names.extend(alt.split("; ").map(NameKey::new).filter(|k| !k.tokens.is_empty()));
        }
        let source = l.sources.first().map(|s| s.name.clone()).unwrap_or_default();
        Key {
            names,
            street_no: l.address.street.as_deref().and_then(street_number),
            street_name: l.address.street.as_deref().and_then(street_name),
            zip: l.address.zip.clone(),
            lat: l.location.map_or(f64::NAN, |p| p.lat),
            lon: l.location.map_or(f64::NAN, |p| p.lon),
            precise: l.location.is_some_and(|p| !p.approximate),
            located: l.location.is_some(),
            priority: priority(&source),
            source,
        }
    }

    /// The best similarity between the two listings' names: name against name, and each name
    /// against the other's program names (never program name against program name: two
    /// programs of one operator share those).
    fn similarity(&self, other: &Key) -> (f64, bool) {
        let mut best = (0.0_f64, false);
        for (i, a) in self.names.iter().enumerate() {
            for (j, b) in other.names.iter().enumerate() {
                if i > 0 && j > 0 {
                    continue;
                }
                let (s, c) = a.similarity(b);
                best = (best.0.max(s), best.1 || c);
            }
        }
        best
    }
}

impl Key {
    /// Metres between the two, infinite unless both are placed precisely.
    fn distance(&self, other: &Key) -> f64 {
        if self.precise && other.precise {
            haversine_m(self.lat, self.lon, other.lat, other.lon)
        } else {
            f64::INFINITY
        }
    }

    /// Whether the street names agree (or either is unknown: "Parsons Boulevard and 45th").
    fn same_street(&self, other: &Key) -> bool {
        match (&self.street_name, &other.street_name) {
            (Some(x), Some(y)) => x == y || strsim::jaro_winkler(x, y) >= 0.9,
            _ => true,
        }
    }

    /// Whether both street numbers are known and differ.
    fn numbers_conflict(&self, other: &Key) -> bool {
        matches!((&self.street_no, &other.street_no), (Some(x), Some(y)) if x != y)
    }

    /// Whether the two addresses are different sites: different street numbers, unless on
    /// one street less than [`STRONG_M`] apart (the buildings of one campus).
    fn distinct_site(&self, other: &Key) -> bool {
        self.numbers_conflict(other)
            && !(self.same_street(other) && self.distance(other) < STRONG_M)
    }
}

/// The house number a street line starts with (`"119-121 West 124th St."` -> `"119"`).
fn street_number(street: &str) -> Option<String> {
    let first = street.split_whitespace().next()?;
    let digits: String = first.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// The name of the street in a street line: the words after the house number, without
/// directions, street types and suite numbers ("800 North Preston Ave., Suite 2" -> "preston").
fn street_name(street: &str) -> Option<String> {
    const SKIP: &[&str] = &[
        "n",
        "s",
        "e",
        "w",
        "ne",
        "nw",
        "se",
        "sw",
        "north",
        "south",
        "east",
        "west",
        "street",
        "st",
        "avenue",
        "ave",
        "av",
        "road",
        "rd",
        "boulevard",
        "blvd",
        "drive",
        "dr",
        "lane",
        "ln",
        "way",
        "court",
        "ct",
        "place",
        "pl",
        "highway",
        "hwy",
        "parkway",
        "pkwy",
        "circle",
        "cir",
        "terrace",
        "ter",
        "trail",
        "trl",
        "the",
        "and",
    ];
    const STOP: &[&str] = &["suite", "ste", "unit", "building", "bldg", "floor", "room", "apt"];
    const DIRECTIONS: &[&str] = &["north", "south", "east", "west"];
    let lower = street.to_lowercase();
    let mut name = Vec::new();
    let mut directions = Vec::new();
    for (i, w) in lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).enumerate()
    {
        if STOP.contains(&w) {
            break;
        }
        if i == 0 && w.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if DIRECTIONS.contains(&w) {
            directions.push(w);
        } else if !SKIP.contains(&w) && !w.bytes().all(|b| b.is_ascii_digit()) {
            name.push(w);
        }
    }
    // "1024 North Street": the direction is the name.
    let name = if name.is_empty() { directions } else { name };
    (!name.is_empty()).then(|| name.join(" "))
}

/// Whether two listings are the same facility (see the module docs for the rules).
fn same_facility(a: &Key, b: &Key) -> bool {
    let same_zip = a.zip.is_some() && a.zip == b.zip;
    let same_street = a.same_street(b);
    let numbers_conflict = a.numbers_conflict(b);
    let same_number = matches!((&a.street_no, &b.street_no), (Some(x), Some(y)) if x == y);
    let precise = a.precise && b.precise;
    let d = a.distance(b);
    // The places first: they are cheap, and most candidate pairs fail on them.
    let strong_place =
        (same_number && same_zip && same_street) || (d < STRONG_M && !numbers_conflict);
    let weak_place = if precise {
        // Two numbers on one street within a block: a campus, or a typo ("2975 Treat Blvd").
        d < NEAR_M && (!numbers_conflict || (d < STRONG_M && same_street))
    } else {
        same_zip && !numbers_conflict
    };
    if !strong_place && !weak_place {
        return false;
    }
    let (sim, contained) = a.similarity(b);
    if strong_place { sim >= SIMILAR || contained } else { sim >= VERY_SIMILAR }
}

/// Candidate pairs `(i, j)`, `i < j`: within about [`NEAR_M`] on a grid; with the same ZIP
/// and street number (a geocoding error can put one copy kilometres off); or in the same ZIP
/// when one of them has only an approximate place (a centroid).
fn candidates(keys: &[Key]) -> Vec<(usize, usize)> {
    const CELL: f64 = 0.01;
    let cell = |lat: f64, lon: f64| ((lat / CELL).floor() as i64, (lon / CELL).floor() as i64);
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let mut by_zip: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_number: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if k.located {
            grid.entry(cell(k.lat, k.lon)).or_default().push(i);
        }
        if let Some(z) = &k.zip {
            by_zip.entry(z).or_default().push(i);
            if let Some(n) = &k.street_no {
                by_number.entry((z, n)).or_default().push(i);
            }
        }
    }
    let mut pairs = Vec::new();
    let dlat = NEAR_M / 111_320.0;
    for (i, k) in keys.iter().enumerate() {
        if !k.located {
            continue;
        }
        let dlon = dlat / k.lat.to_radians().cos().max(0.01);
        let (r0, c0) = cell(k.lat - dlat, k.lon - dlon);
        let (r1, c1) = cell(k.lat + dlat, k.lon + dlon);
        for r in r0..=r1 {
            for c in c0..=c1 {
                for &j in grid.get(&(r, c)).into_iter().flatten() {
                    if j > i {
                        pairs.push((i, j));
                    }
                }
            }
        }
    }
    for members in by_number.values() {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    for members in by_zip.values() {
        for &i in members.iter().filter(|&&i| !keys[i].precise) {
            for &j in members.iter().filter(|&&j| j != i) {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges copies of the same facility. Returns the merged listings (in the order of their
/// first copy) and what was merged.
pub fn merge(listings: Vec<Listing>) -> (Vec<Listing>, MergeStats) {
    let keys: Vec<Key> = listings.iter().map(Key::of).collect();
    let n = listings.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut stats = MergeStats { input: n, ..MergeStats::default() };
    // Listings with one id are one record seen twice (two saved pages of the same search).
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut same_id = Vec::new();
    for (j, l) in listings.iter().enumerate() {
        if let Some(&i) = by_id.get(l.id.as_str()) {
            same_id.push((i, j));
        } else {
            by_id.insert(&l.id, j);
        }
    }
    let forced = same_id.len();
    // The matching pairs, nearest first, then by the two ids: a copy that could join several
    // sites (a record without a street) joins the nearest, and the result does not depend on
    // the input's order (the refusal rule below depends on what was joined before).
    let mut by_rank: Vec<usize> = (0..n).collect();
    by_rank.sort_by(|&x, &y| listings[x].id.cmp(&listings[y].id).then(x.cmp(&y)));
    let mut rank = vec![0; n];
    for (r, &i) in by_rank.iter().enumerate() {
        rank[i] = r;
    }
    let mut matched: Vec<(f64, usize, usize)> = candidates(&keys)
        .into_iter()
        .filter(|&(i, j)| same_facility(&keys[i], &keys[j]))
        .map(|(i, j)| (keys[i].distance(&keys[j]), i, j))
        .collect();
    matched.sort_by(|x, y| {
        let ranks =
            |(_, i, j): &(f64, usize, usize)| (rank[*i].min(rank[*j]), rank[*i].max(rank[*j]));
        x.0.total_cmp(&y.0).then_with(|| ranks(x).cmp(&ranks(y)))
    });
    let pairs = same_id.into_iter().chain(matched.into_iter().map(|(_, i, j)| (i, j)));
    for (k, (i, j)) in pairs.enumerate() {
        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
        if ri == rj {
            continue;
        }
        // Refuse a union that would put two distinct sites into one listing: two addresses
        // that differ (other than two numbers of one campus), or two listings of one source
        // whose names differ. Both happen when a third copy bridges them (a record without a
        // street near two sites of one operator; a national row naming the operator of two
        // programs in one building).
        let conflict = k >= forced
            && members[ri].iter().any(|&x| {
                members[rj].iter().any(|&y| {
                    keys[x].distinct_site(&keys[y])
                        || (keys[x].source == keys[y].source && {
                            let (s, c) = keys[x].similarity(&keys[y]);
                            s < SIMILAR && !c
                        })
                })
            });
        if conflict {
            continue;
        }
        let (root, child) = if ri < rj { (ri, rj) } else { (rj, ri) };
        parent[child] = root;
        let moved = std::mem::take(&mut members[child]);
        members[root].extend(moved);
        let (a, b) = (&keys[i].source, &keys[j].source);
        let pair = if a <= b { format!("{a} + {b}") } else { format!("{b} + {a}") };
        *stats.pairs.entry(pair).or_default() += 1;
    }
    let slots_ids: Vec<String> = listings.iter().map(|l| l.id.clone()).collect();
    let verified: Vec<Option<String>> = listings.iter().map(|l| l.last_verified.clone()).collect();
    let mut slots: Vec<Option<Listing>> = listings.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for root in 0..n {
        if parent[root] != root {
            continue;
        }
        let mut group: Vec<usize> = std::mem::take(&mut members[root]);
        // Best source first; ties by id (so the choice does not depend on input order), then
        // the newest retrieval of one record.
        group.sort_by(|&x, &y| {
            let rank = |i: usize| {
                (keys[i].priority, !keys[i].precise, &slots_ids[i], Reverse(&verified[i]), i)
            };
            rank(x).cmp(&rank(y))
        });
        let copies: Vec<Listing> =
            group.iter().map(|&i| slots[i].take().expect("each listing is in one group")).collect();
        out.push(combine(copies));
    }
    stats.output = out.len();
    stats.merged = n - out.len();
    (out, stats)
}

/// Joins copies of one facility, best source first, into one listing.
fn combine(mut copies: Vec<Listing>) -> Listing {
    if copies.len() == 1 {
        return copies.remove(0);
    }
    let originals = copies.clone();
    let mut merged = copies.remove(0);
    // The best location: the first precise one in priority order.
    if merged.location.is_none_or(|l| l.approximate)
        && let Some(loc) = copies.iter().filter_map(|c| c.location).find(|l| !l.approximate)
    {
        merged.location = Some(loc);
    }
    for c in copies {
        merged.levels.merge(&c.levels);
        merged.modalities.merge(&c.modalities);
        merged.medications.merge(&c.medications);
        merged.payments.merge(&c.payments);
        merged.populations.merge(&c.populations);
        merged.languages.merge(&c.languages);
        merged.schedule.merge(&c.schedule);
        merged.virtual_states.extend(c.virtual_states);
        for s in c.services {
            if !merged.services.contains(&s) {
                merged.services.push(s);
            }
        }
        fill(&mut merged.alt_name, c.alt_name);
        fill(&mut merged.description, c.description);
        fill(&mut merged.website, c.website);
        fill(&mut merged.phones.main, c.phones.main);
        fill(&mut merged.phones.intake, c.phones.intake);
        fill(&mut merged.phones.hotline, c.phones.hotline);
        // Address parts only from a copy in the same ZIP: a part of another address would
        // make a street that does not exist.
        let a = &mut merged.address;
        if a.zip.is_none() || a.zip == c.address.zip {
            fill(&mut a.street, c.address.street);
            fill(&mut a.street2, c.address.street2);
            fill(&mut a.city, c.address.city);
            fill(&mut a.state, c.address.state);
            fill(&mut a.zip, c.address.zip);
        }
        // One record seen in two retrievals (two saved pages) is one source: keep the latest.
        for s in c.sources {
            match merged.sources.iter_mut().find(|m| m.name == s.name && m.record_id == s.record_id)
            {
                Some(m) if s.retrieved > m.retrieved => *m = s,
                Some(_) => {}
                None => merged.sources.push(s),
            }
        }
        merged.last_verified = match (merged.last_verified.take(), c.last_verified) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        // Stale only when every source that listed it has dropped it.
        merged.stale &= c.stale;
        merged.accepting_new_clients = merged.accepting_new_clients.or(c.accepting_new_clients);
    }
    merged.provenance = Provenance::of_merge(&merged, &originals);
    merged
}

fn fill(slot: &mut Option<String>, other: Option<String>) {
    if slot.is_none() {
        *slot = other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise() {
        assert_eq!(normalize_name("The Haven Center, Inc."), "haven");
        assert_eq!(normalize_name("St. Joseph's Hlth Svcs"), "saint josephs health");
        assert_eq!(
            name_similarity(
                "Narcotic Drug Treatment Center, Inc.",
                "Narcotic Drug Treatment Center"
            ),
            1.0
        );
        assert!(
            name_similarity(
                "Recovery Centers of America Danvers",
                "Recovery Centers of America Westminster"
            ) < SIMILAR
        );
        assert!(name_similarity("Counselling Associates", "Counseling Associates") >= SIMILAR);
        assert!(name_similarity("Passages Malibu 8", "Passages Malibu 9") < VERY_SIMILAR);
    }

    #[test]
    fn street_numbers() {
        assert_eq!(street_number("119-121 West 124th St.").as_deref(), Some("119"));
        assert_eq!(street_number("PO Box 12"), None);
        assert_eq!(street_name("800 North Preston Ave., Suite 2").as_deref(), Some("preston"));
        assert_eq!(street_name("3137-39 East 7th Street").as_deref(), Some("7th"));
        assert_eq!(street_name("1024 North Street").as_deref(), Some("north"));
        assert_eq!(street_name("Suite 4"), None);
        assert_eq!(street_name("1 Medical Center Boulevard").as_deref(), Some("medical center"));
        assert!(
            name_similarity("Womens Treatment Program", "Mens Treatment Program") < VERY_SIMILAR
        );
    }
}
