//! The listing: one treatment location, merged from every source that knows it.
//!
//! The JSON form of a listing (the shape of `../shared/API.md`, used both by the JSON Lines that
//! `iop ingest` writes and by the API's results) is defined here and only here: [`Listing`]
//! is read through [`ListingWire`] and written through `ListingOut` (the same fields, borrowed),
//! which flatten [`Attr::Unknown`] into the `unknown` list.
//! Which source states which field travels with it as `provenance` ([`crate::provenance`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::provenance::Provenance;
use crate::schedule::Schedule;
use crate::vocabulary::Group;

/// What the sources say about one attribute group.
///
/// `Unknown` means no source says anything about the group. `Known(set)` means a source
/// describes the group completely, and `set` is what it lists: an empty known set is a real "no",
/// and a value not in the set is a "no". `Partial(set)` means the sources name these values but
/// do not describe the whole group (an OTP directory says "opioid treatment program" but not
/// whether there is also an IOP): values not in the set are unknown, not "no".
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Attr {
    /// No source says anything about this group.
    #[default]
    Unknown,
    /// These values hold; whether others do is unknown.
    Partial(BTreeSet<String>),
    /// The sources describe this group; these are the values they list.
    Known(BTreeSet<String>),
}

impl Attr {
    /// A known (complete) group with these values.
    pub fn known<I, S>(values: I) -> Attr
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Attr::Known(values.into_iter().map(Into::into).collect())
    }

    /// A partially known group: these values hold, others are unknown.
    pub fn partial<I, S>(values: I) -> Attr
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let set: BTreeSet<String> = values.into_iter().map(Into::into).collect();
        if set.is_empty() { Attr::Unknown } else { Attr::Partial(set) }
    }

    /// Whether the sources describe the group completely.
    pub fn is_known(&self) -> bool {
        matches!(self, Attr::Known(_))
    }

    /// Whether nothing at all is known about the group.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }

    /// The values listed (empty when unknown).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        let set: Option<&BTreeSet<String>> = match self {
            Attr::Unknown => None,
            Attr::Partial(set) | Attr::Known(set) => Some(set),
        };
        set.into_iter().flatten().map(String::as_str)
    }

    /// Whether `value` holds (yes), does not (no), or nobody says (unknown).
    pub fn has(&self, value: &str) -> Tri {
        match self {
            Attr::Unknown => Tri::Unknown,
            Attr::Partial(set) if set.contains(value) => Tri::Yes,
            Attr::Partial(_) => Tri::Unknown,
            Attr::Known(set) => Tri::from(set.contains(value)),
        }
    }

    /// Whether `value` is listed.
    pub fn contains(&self, value: &str) -> bool {
        self.has(value) == Tri::Yes
    }

    /// Adds a value a complete source lists, making the group known.
    pub fn insert(&mut self, value: impl Into<String>) {
        self.mark_known();
        if let Attr::Known(set) = self {
            set.insert(value.into());
        }
    }

    /// Adds a value without claiming the group is complete.
    pub fn insert_partial(&mut self, value: impl Into<String>) {
        match self {
            Attr::Unknown => *self = Attr::Partial(BTreeSet::from([value.into()])),
            Attr::Partial(set) | Attr::Known(set) => {
                set.insert(value.into());
            }
        }
    }

    /// Marks the group as completely described by a source, even if it lists nothing.
    pub fn mark_known(&mut self) {
        match self {
            Attr::Unknown => *self = Attr::Known(BTreeSet::new()),
            Attr::Partial(set) => *self = Attr::Known(std::mem::take(set)),
            Attr::Known(_) => {}
        }
    }

    /// The union of what two sources know: complete if either is complete.
    pub fn merge(&mut self, other: &Attr) {
        match other {
            Attr::Unknown => {}
            Attr::Partial(values) => {
                for v in values {
                    self.insert_partial(v.clone());
                }
            }
            Attr::Known(values) => {
                self.mark_known();
                for v in values {
                    self.insert(v.clone());
                }
            }
        }
    }
}

/// A postal address. `zip` is always five digits when present.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Street line.
    pub street: Option<String>,
    /// Second street line (suite, building).
    pub street2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Two-letter USPS state or territory code.
    pub state: Option<String>,
    /// Five-digit ZIP code.
    pub zip: Option<String>,
}

/// A point on the earth, WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// True when the point is a ZIP or city centroid rather than the facility's own position.
    #[serde(default)]
    pub approximate: bool,
}

/// Phone numbers in E.164 form (`+14349798871`).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Phones {
    /// The main number.
    pub main: Option<String>,
    /// The intake or admissions line.
    pub intake: Option<String>,
    /// A hotline or crisis line.
    pub hotline: Option<String>,
}

/// Where a listing's facts came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// The source's short name (`samhsa-findtreatment`, `ca-dhcs`, ...).
    pub name: String,
    /// The record's id in that source.
    pub record_id: String,
    /// The date the source was retrieved or published (`YYYY-MM-DD`).
    pub retrieved: Option<String>,
    /// The source's license and attribution.
    pub license: Option<String>,
}

/// One treatment location.
#[derive(Clone, Debug, PartialEq, Default, Deserialize)]
#[serde(from = "ListingWire")]
pub struct Listing {
    /// Stable id: the same listing keeps it across rebuilds (see [`crate::id`]).
    pub id: String,
    /// The facility's name.
    pub name: String,
    /// A program name or "doing business as" name.
    pub alt_name: Option<String>,
    /// Free text from the sources.
    pub description: Option<String>,
    /// Postal address.
    pub address: Address,
    /// Where it is, if known.
    pub location: Option<Location>,
    /// Phone numbers.
    pub phones: Phones,
    /// Web site URL.
    pub website: Option<String>,
    /// Levels of care (`iop`, `op`, ...).
    pub levels: Attr,
    /// Therapies and services (`cbt`, `mi`, ...).
    pub modalities: Attr,
    /// Medications for addiction treatment.
    pub medications: Attr,
    /// When and how the program meets.
    pub schedule: Schedule,
    /// Accepted payments.
    pub payments: Attr,
    /// Populations served.
    pub populations: Attr,
    /// Languages (ISO 639 codes, `asl`).
    pub languages: Attr,
    /// States whose residents the listing serves virtually, whatever the distance.
    pub virtual_states: BTreeSet<String>,
    /// Raw service names from the sources, kept for text search and display.
    pub services: Vec<String>,
    /// Every source that contributed, with its record id and license.
    pub sources: Vec<SourceRef>,
    /// The most recent date a source or a person confirmed the listing (`YYYY-MM-DD`).
    pub last_verified: Option<String>,
    /// True when a source that used to list this facility no longer does.
    pub stale: bool,
    /// Whether the program accepts new clients, where a curated sheet says so.
    pub accepting_new_clients: Option<bool>,
    /// Which of `sources` state each field (see [`crate::provenance`]).
    pub provenance: Provenance,
}

impl Listing {
    /// The attribute of a list-valued group; `None` for [`Group::Schedule`].
    pub fn attr(&self, group: Group) -> Option<&Attr> {
        match group {
            Group::Level => Some(&self.levels),
            Group::Modality => Some(&self.modalities),
            Group::Medication => Some(&self.medications),
            Group::Payment => Some(&self.payments),
            Group::Population => Some(&self.populations),
            Group::Language => Some(&self.languages),
            Group::Schedule => None,
        }
    }

    /// Mutable access to a list-valued group; `None` for [`Group::Schedule`].
    pub fn attr_mut(&mut self, group: Group) -> Option<&mut Attr> {
        match group {
            Group::Level => Some(&mut self.levels),
            Group::Modality => Some(&mut self.modalities),
            Group::Medication => Some(&mut self.medications),
            Group::Payment => Some(&mut self.payments),
            Group::Population => Some(&mut self.populations),
            Group::Language => Some(&mut self.languages),
            Group::Schedule => None,
        }
    }

    /// Whether `value` of `group` is known to be true, known to be false, or unknown.
    pub fn has(&self, group: Group, value: &str) -> Tri {
        match self.attr(group) {
            Some(attr) => attr.has(value),
            None => self.schedule.facet(value),
        }
    }

    /// How this listing answers a filter on `group` with the OR of `values`.
    ///
    /// `Yes` with the values that hold if any holds; otherwise `Unknown` if any is unknown;
    /// otherwise `No`. This is the one definition of filter semantics: the index implements it
    /// and the tests check the index against it.
    pub fn filter_match(&self, group: Group, values: &[String]) -> FilterMatch {
        let mut hits = Vec::new();
        let mut unknown = false;
        for v in values {
            match self.has(group, v) {
                Tri::Yes => hits.push(v.clone()),
                Tri::Unknown => unknown = true,
                Tri::No => {}
            }
        }
        if !hits.is_empty() {
            FilterMatch::Yes(hits)
        } else if unknown {
            FilterMatch::Unknown
        } else {
            FilterMatch::No
        }
    }

    /// Whether nothing is known about the group (for schedule: none of its facets is known).
    pub fn is_unknown(&self, group: Group) -> bool {
        match self.attr(group) {
            Some(attr) => attr.is_unknown(),
            None => self.schedule.is_unknown(),
        }
    }

    /// The groups the sources say nothing about, in vocabulary order.
    pub fn unknown_groups(&self) -> Vec<Group> {
        Group::ALL.into_iter().filter(|g| self.is_unknown(*g)).collect()
    }

    /// The groups the sources describe only in part (see [`Attr::Partial`]); for schedule,
    /// when some facets are known and others are not.
    pub fn incomplete_groups(&self) -> Vec<Group> {
        Group::ALL
            .into_iter()
            .filter(|g| match self.attr(*g) {
                Some(attr) => matches!(attr, Attr::Partial(_)),
                None => {
                    !self.schedule.is_unknown()
                        && crate::schedule::FACETS
                            .iter()
                            .any(|f| self.schedule.facet(f) == Tri::Unknown)
                }
            })
            .collect()
    }

    /// Whether the listing offers virtual care and names states it serves.
    pub fn serves_virtually(&self, state: &str) -> bool {
        self.schedule.facet("virtual") == Tri::Yes && self.virtual_states.contains(state)
    }
}

/// A three-valued answer: unknown is not no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tri {
    /// Known to hold.
    Yes,
    /// Known not to hold.
    No,
    /// Nobody says.
    Unknown,
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
}

/// How a listing answers one filter group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterMatch {
    /// These of the requested values hold.
    Yes(Vec<String>),
    /// None holds for sure, but the listing's record does not say for some.
    Unknown,
    /// None holds.
    No,
}

/// The JSON shape of a listing (API.md), for reading. Groups that are unknown appear as empty
/// lists and are named in `unknown`; reading back, a group named in `unknown` becomes
/// [`Attr::Unknown`]. Written from a borrowed listing through `ListingOut`, the same fields in
/// the same order.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListingWire {
    id: String,
    name: String,
    #[serde(default)]
    alt_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    address: Address,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    phones: Phones,
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    levels: Vec<String>,
    #[serde(default)]
    modalities: Vec<String>,
    #[serde(default)]
    medications: Vec<String>,
    #[serde(default)]
    schedule: Schedule,
    #[serde(default)]
    payments: Vec<String>,
    #[serde(default)]
    populations: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    virtual_states: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    unknown: Vec<Group>,
    /// Groups whose lists name some values without saying the list is complete.
    #[serde(default)]
    incomplete: Vec<Group>,
    #[serde(default)]
    sources: Vec<SourceRef>,
    #[serde(default)]
    last_verified: Option<String>,
    #[serde(default)]
    stale: bool,
    #[serde(default)]
    accepting_new_clients: Option<bool>,
    /// Per field, the sources that state it (absent in listings written before it existed).
    #[serde(default)]
    provenance: Provenance,
}

/// The JSON shape of a listing for writing: [`ListingWire`]'s fields, in its order, borrowed
/// from the listing. A build writes a million listings and an API page twenty: an owned copy
/// of each (the former `From<&Listing> for ListingWire`) was almost half of the serialisation's
/// instructions, all copying and freeing strings. `tests::the_json_round_trips` checks that
/// the two shapes agree.
#[derive(Serialize)]
struct ListingOut<'a> {
    id: &'a str,
    name: &'a str,
    alt_name: &'a Option<String>,
    description: &'a Option<String>,
    address: &'a Address,
    location: &'a Option<Location>,
    phones: &'a Phones,
    website: &'a Option<String>,
    levels: Values<'a>,
    asam_levels: AsamLevels<'a>,
    modalities: Values<'a>,
    medications: Values<'a>,
    schedule: &'a Schedule,
    payments: Values<'a>,
    populations: Values<'a>,
    languages: Values<'a>,
    virtual_states: &'a BTreeSet<String>,
    services: &'a [String],
    unknown: Vec<Group>,
    incomplete: Vec<Group>,
    sources: &'a [SourceRef],
    last_verified: &'a Option<String>,
    stale: bool,
    accepting_new_clients: Option<bool>,
    provenance: &'a Provenance,
}

/// A group's values as a JSON list (empty when unknown: `unknown` names the group).
struct Values<'a>(&'a Attr);

impl Serialize for Values<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.values())
    }
}

/// The ASAM level of each value of `levels`, in the same order.
struct AsamLevels<'a>(&'a Attr);

impl Serialize for AsamLevels<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let vocab = crate::vocabulary::Vocabulary::get();
        serializer.collect_seq(self.0.values().map(|v| vocab.asam_level(v).unwrap_or_default()))
    }
}

impl Serialize for Listing {
    /// As [`ListingWire`], from the borrowed listing (see `ListingOut`).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let l = self;
        ListingOut {
            id: &l.id,
            name: &l.name,
            alt_name: &l.alt_name,
            description: &l.description,
            address: &l.address,
            location: &l.location,
            phones: &l.phones,
            website: &l.website,
            levels: Values(&l.levels),
            asam_levels: AsamLevels(&l.levels),
            modalities: Values(&l.modalities),
            medications: Values(&l.medications),
            schedule: &l.schedule,
            payments: Values(&l.payments),
            populations: Values(&l.populations),
            languages: Values(&l.languages),
            virtual_states: &l.virtual_states,
            services: &l.services,
            unknown: l.unknown_groups(),
            incomplete: l.incomplete_groups(),
            sources: &l.sources,
            last_verified: &l.last_verified,
            stale: l.stale,
            accepting_new_clients: l.accepting_new_clients,
            provenance: &l.provenance,
        }
        .serialize(serializer)
    }
}

impl From<ListingWire> for Listing {
    fn from(w: ListingWire) -> Listing {
        let unknown: BTreeSet<Group> = w.unknown.iter().copied().collect();
        let incomplete: BTreeSet<Group> = w.incomplete.iter().copied().collect();
        let attr = |g: Group, values: Vec<String>| {
            if unknown.contains(&g) && values.is_empty() {
                Attr::Unknown
            } else if incomplete.contains(&g) {
                Attr::partial(values)
            } else {
                Attr::Known(values.into_iter().collect())
            }
        };
        Listing {
            levels: attr(Group::Level, w.levels),
            modalities: attr(Group::Modality, w.modalities),
            medications: attr(Group::Medication, w.medications),
            payments: attr(Group::Payment, w.payments),
            populations: attr(Group::Population, w.populations),
            languages: attr(Group::Language, w.languages),
            id: w.id,
            name: w.name,
            alt_name: w.alt_name,
            description: w.description,
            address: w.address,
            location: w.location,
            phones: w.phones,
            website: w.website,
            schedule: w.schedule,
            virtual_states: w.virtual_states.into_iter().collect(),
            services: w.services,
            sources: w.sources,
            last_verified: w.last_verified,
            stale: w.stale,
            accepting_new_clients: w.accepting_new_clients,
            provenance: w.provenance,
        }
    }
}

/// Per-group filter values, as in a search request (`level=iop,op&payment=medicaid`).
pub type Filters = BTreeMap<Group, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Listing {
        Listing {
            id: "x1".into(),
            name: "Region Ten".into(),
            levels: Attr::known(["iop", "op"]),
            payments: Attr::known(Vec::<String>::new()),
            medications: Attr::partial(["methadone"]),
            ..Listing::default()
        }
    }

    #[test]
    fn unknown_survives_a_json_round_trip() {
        let l = sample();
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(
            json["unknown"],
            serde_json::json!(["modality", "schedule", "population", "language"])
        );
        assert_eq!(json["incomplete"], serde_json::json!(["medication"]));
        assert_eq!(json["asam_levels"], serde_json::json!(["2.1", "1"]));
        let back: Listing = serde_json::from_value(json).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.payments, Attr::Known(BTreeSet::new()), "a known 'none' stays known");
        assert_eq!(back.modalities, Attr::Unknown);
    }

    #[test]
    fn the_json_round_trips() {
        // Every field set, so a field that `ListingOut` writes and `ListingWire` does not read
        // (or the reverse) is lost on the way and fails the comparison.
        let mut l = sample();
        l.alt_name = Some("R10".into());
        l.description = Some("Evening IOP".into());
        l.address = Address {
            street: Some("502 Old Lynchburg Rd".into()),
            street2: Some("Suite 2".into()),
            city: Some("Charlottesville".into()),
            state: Some("VA".into()),
            zip: Some("22903".into()),
        };
        l.location = Some(Location { lat: 38.02, lon: -78.49, approximate: true });
        l.phones = Phones {
            main: Some("+14349722800".into()),
            intake: Some("+14349722801".into()),
            hotline: Some("+14349722802".into()),
        };
        l.website = Some("https://regionten.org".into());
        l.modalities = Attr::known(["cbt"]);
        l.populations = Attr::known(["adults"]);
        l.languages = Attr::partial(["es"]);
        l.schedule.facets.insert("virtual".into());
        l.schedule.facets_not_offered.insert("weekend".into());
        l.schedule.hours_per_week = Some(9.0);
        l.schedule.duration_weeks = Some(8.0);
        l.schedule.hours_text = Some("Mon, Wed, Thu 6-9pm".into());
        l.virtual_states = BTreeSet::from(["VA".to_string(), "WV".to_string()]);
        l.services = vec!["Intensive outpatient treatment".into()];
        l.sources = vec![SourceRef {
            name: "samhsa-findtreatment".into(),
            record_id: "107736".into(),
            retrieved: Some("2019-05-30".into()),
            license: Some("public domain".into()),
        }];
        l.last_verified = Some("2026-11-01".into());
        l.stale = true;
        l.accepting_new_clients = Some(false);
        l.stamp_provenance();
        let text = serde_json::to_string(&l).unwrap();
        let back: Listing = serde_json::from_str(&text).unwrap();
        assert_eq!(back, l);
        // Every field of API.md, in its order.
        let order = [
            "id",
            "name",
            "alt_name",
            "description",
            "address",
            "location",
            "phones",
            "website",
            "levels",
            "asam_levels",
            "modalities",
            "medications",
            "schedule",
            "payments",
            "populations",
            "languages",
            "virtual_states",
            "services",
            "unknown",
            "incomplete",
            "sources",
            "last_verified",
            "stale",
            "accepting_new_clients",
            "provenance",
        ];
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value.as_object().unwrap().len(), order.len(), "{text}");
        let at: Vec<usize> = order
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} in {text}")))
            .collect();
        assert!(at.is_sorted(), "{text}");
    }

    #[test]
    fn provenance_is_an_additive_field() {
        let mut l = sample();
        l.sources = vec![SourceRef {
            name: "samhsa-findtreatment".into(),
            record_id: "107736".into(),
            retrieved: Some("2019-05-30".into()),
            license: None,
        }];
        l.stamp_provenance();
        let mut json = serde_json::to_value(&l).unwrap();
        assert_eq!(
            json["provenance"],
            serde_json::json!({
                "name": ["samhsa-findtreatment:107736"],
                "levels": ["samhsa-findtreatment:107736"],
                "medications": ["samhsa-findtreatment:107736"],
                "payments": ["samhsa-findtreatment:107736"],
            })
        );
        let back: Listing = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, l);
        // A line written before provenance existed still loads, with none recorded.
        json.as_object_mut().unwrap().remove("provenance");
        let old: Listing = serde_json::from_value(json).unwrap();
        assert!(old.provenance.is_empty());
        assert_eq!(old.levels, l.levels);
    }

    #[test]
    fn filter_match_is_three_valued() {
        let l = sample();
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            l.filter_match(Group::Level, &v(&["iop", "php"])),
            FilterMatch::Yes(v(&["iop"]))
        );
        assert_eq!(l.filter_match(Group::Level, &v(&["php"])), FilterMatch::No);
        assert_eq!(l.filter_match(Group::Modality, &v(&["cbt"])), FilterMatch::Unknown);
        assert_eq!(l.filter_match(Group::Payment, &v(&["medicaid"])), FilterMatch::No);
        assert_eq!(l.filter_match(Group::Schedule, &v(&["evening"])), FilterMatch::Unknown);
        // Partial: listed values hold, others are unknown rather than "no".
        assert_eq!(
            l.filter_match(Group::Medication, &v(&["methadone"])),
            FilterMatch::Yes(v(&["methadone"]))
        );
        assert_eq!(l.filter_match(Group::Medication, &v(&["naltrexone"])), FilterMatch::Unknown);
    }
}
