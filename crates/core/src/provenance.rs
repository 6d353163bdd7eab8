//! Per-field provenance: which of a listing's sources state each of its fields.
//!
//! A merged listing knows its levels of care from one record, its phone from another and its
//! point from a third. [`Provenance`] records, for every [`Field`] the listing states, the
//! *source keys* of the records that state it:
//!
//! - a source key is `name:record_id` of an entry of the listing's `sources`
//!   ([`SourceRef::key`]; source names never contain `:`, so the first `:` splits it);
//! - a key starting with `derived:` ([`DERIVED_PREFIX`]) names no source but a fact ingest
//!   computed itself: [`DERIVED_ZIP_CENTROID`] and [`DERIVED_CITY_CENTROID`] for a point placed
//!   at the centre of the listing's ZIP code or city (then `location.approximate` is true too),
//!   [`DERIVED_STATE_FROM_ZIP`] and [`DERIVED_STATE_FROM_POINT`] for an address whose state the
//!   source left out or got wrong.
//!
//! A field no source states has no entry: unknown stays unknown, and an empty entry never
//! appears. In the listing JSON it is the `provenance` object, keyed by the listing's own JSON
//! field names (`phones.main` for one number), fields in listing order, each with its keys
//! sorted. Region Ten's 800 Preston Avenue clinic in the shipped data (the FindTreatment
//! record ids, 64 hex digits, shortened here): its SA and MH records and the national list's
//! row agree on the address; only the SA record lists medications, only the MH record
//! telehealth:
//!
//! ```json
//! "provenance": {
//!   "address": ["samhsa-findtreatment:39d6ca2b…", "samhsa-findtreatment:a1e80691…",
//!               "samhsa-locator-2021:row 13028"],
//!   "website": ["samhsa-findtreatment:39d6ca2b…"],
//!   "levels": ["samhsa-findtreatment:39d6ca2b…", "samhsa-findtreatment:a1e80691…"],
//!   "medications": ["samhsa-findtreatment:39d6ca2b…"],
//!   "schedule": ["samhsa-findtreatment:a1e80691…"]
//! }
//! ```
//!
//! and a 2-1-1 Miami record placed at its ZIP's centre, with a program sheet:
//! `"location": ["derived:zip-centroid"], "schedule": ["miami-211:8852",
//! "program-sheet:multicultural-care-centers-broward.toml"]`.
//!
//! The rules that fill it: a listing with exactly one source states every field it holds from
//! that source ([`crate::Listing::stamp_provenance`]); a merge keeps, per field, the sources whose
//! copy says what the merged listing says ([`Provenance::of_merge`]); whatever replaces a value
//! (a program sheet's intake line, a ZIP centroid) replaces its provenance.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::listing::{Attr, Listing, SourceRef};
use crate::vocabulary::Group;

/// Keys of derived facts start with this.
pub const DERIVED_PREFIX: &str = "derived:";
/// The point is the centroid of the listing's ZIP code, computed by ingest.
pub const DERIVED_ZIP_CENTROID: &str = "derived:zip-centroid";
/// The point is the centre of the listing's city, computed by ingest.
pub const DERIVED_CITY_CENTROID: &str = "derived:city-centroid";
/// The address's state was filled in by ingest from its ZIP code.
pub const DERIVED_STATE_FROM_ZIP: &str = "derived:state-from-zip";
/// The address's state was filled in by ingest from the listing's coordinates.
pub const DERIVED_STATE_FROM_POINT: &str = "derived:state-from-point";

/// The source key of record `record_id` of source `name`: `name:record_id`.
pub fn source_key(name: &str, record_id: &str) -> String {
    format!("{name}:{record_id}")
}

/// Whether a key names a fact ingest derived rather than a source record.
pub fn is_derived(key: &str) -> bool {
    key.starts_with(DERIVED_PREFIX)
}

impl SourceRef {
    /// This record's key in a listing's provenance (`name:record_id`).
    pub fn key(&self) -> String {
        source_key(&self.name, &self.record_id)
    }
}

/// A field of a listing whose provenance is recorded. Its name ([`Field::as_str`]) is the key
/// of the listing JSON it stands for (`phones.main` for the main number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `name`.
    Name,
    /// `alt_name`.
    AltName,
    /// `description`.
    Description,
    /// `address` (all its parts).
    Address,
    /// `location`, the point on the map.
    Location,
    /// `phones.main`.
    PhoneMain,
    /// `phones.intake`.
    PhoneIntake,
    /// `phones.hotline`.
    PhoneHotline,
    /// `website`.
    Website,
    /// `levels`.
    Levels,
    /// `modalities`.
    Modalities,
    /// `medications`.
    Medications,
    /// `schedule`: facets, sessions, hours and length.
    Schedule,
    /// `payments`.
    Payments,
    /// `populations`.
    Populations,
    /// `languages`.
    Languages,
    /// `virtual_states`.
    VirtualStates,
    /// `services`, the raw service names.
    Services,
    /// `accepting_new_clients`.
    AcceptingNewClients,
}

impl Field {
    /// Every field, in the order of the listing JSON.
    pub const ALL: [Field; 19] = [
        Field::Name,
        Field::AltName,
        Field::Description,
        Field::Address,
        Field::Location,
        Field::PhoneMain,
        Field::PhoneIntake,
        Field::PhoneHotline,
        Field::Website,
        Field::Levels,
        Field::Modalities,
        Field::Medications,
        Field::Schedule,
        Field::Payments,
        Field::Populations,
        Field::Languages,
        Field::VirtualStates,
        Field::Services,
        Field::AcceptingNewClients,
    ];

    /// The field's name: its key in the listing JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::AltName => "alt_name",
            Field::Description => "description",
            Field::Address => "address",
            Field::Location => "location",
            Field::PhoneMain => "phones.main",
            Field::PhoneIntake => "phones.intake",
            Field::PhoneHotline => "phones.hotline",
            Field::Website => "website",
            Field::Levels => "levels",
            Field::Modalities => "modalities",
            Field::Medications => "medications",
            Field::Schedule => "schedule",
            Field::Payments => "payments",
            Field::Populations => "populations",
            Field::Languages => "languages",
            Field::VirtualStates => "virtual_states",
            Field::Services => "services",
            Field::AcceptingNewClients => "accepting_new_clients",
        }
    }

    /// The field named `name` ([`Field::as_str`]).
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The field that holds a filter group.
    pub fn of_group(group: Group) -> Field {
        match group {
            Group::Level => Field::Levels,
            Group::Modality => Field::Modalities,
            Group::Medication => Field::Medications,
            Group::Schedule => Field::Schedule,
            Group::Payment => Field::Payments,
            Group::Population => Field::Populations,
            Group::Language => Field::Languages,
        }
    }

    /// Whether the listing says anything in this field. An attribute group counts when it is
    /// not unknown (a known empty group is a real "none"); other fields when they hold a value.
    pub fn stated_by(self, l: &Listing) -> bool {
        let a = &l.address;
        match self {
            Field::Name => !l.name.is_empty(),
            Field::AltName => l.alt_name.is_some(),
            Field::Description => l.description.is_some(),
            Field::Address => {
                [&a.street, &a.street2, &a.city, &a.state, &a.zip].iter().any(|p| p.is_some())
            }
            Field::Location => l.location.is_some(),
            Field::PhoneMain => l.phones.main.is_some(),
            Field::PhoneIntake => l.phones.intake.is_some(),
            Field::PhoneHotline => l.phones.hotline.is_some(),
            Field::Website => l.website.is_some(),
            Field::Schedule => l.schedule != crate::Schedule::default(),
            Field::VirtualStates => !l.virtual_states.is_empty(),
            Field::Services => !l.services.is_empty(),
            Field::AcceptingNewClients => l.accepting_new_clients.is_some(),
            Field::Levels
            | Field::Modalities
            | Field::Medications
            | Field::Payments
            | Field::Populations
            | Field::Languages => !self.attr(l).is_some_and(Attr::is_unknown),
        }
    }

    /// Whether `a` and `b` hold exactly the same value in this field.
    pub fn same(self, a: &Listing, b: &Listing) -> bool {
        match self {
            Field::Name => a.name == b.name,
            Field::AltName => a.alt_name == b.alt_name,
            Field::Description => a.description == b.description,
            Field::Address => a.address == b.address,
            Field::Location => a.location == b.location,
            Field::PhoneMain => a.phones.main == b.phones.main,
            Field::PhoneIntake => a.phones.intake == b.phones.intake,
            Field::PhoneHotline => a.phones.hotline == b.phones.hotline,
            Field::Website => a.website == b.website,
            Field::Schedule => a.schedule == b.schedule,
            Field::VirtualStates => a.virtual_states == b.virtual_states,
            Field::Services => a.services == b.services,
            Field::AcceptingNewClients => a.accepting_new_clients == b.accepting_new_clients,
            Field::Levels
            | Field::Modalities
            | Field::Medications
            | Field::Payments
            | Field::Populations
            | Field::Languages => self.attr(a) == self.attr(b),
        }
    }

    /// Whether `copy`, one of the copies a merge joined into `merged`, says what `merged` holds
    /// in this field. Groups a merge unions (attribute groups, schedule, virtual states,
    /// services): whenever the copy states the group. The address: when every part the copy
    /// states is the merged address's (the merge fills missing parts from copies in the same
    /// ZIP). Single values (name, phones, point, ...): when the copy holds the same value (text
    /// compared without regard to case).
    pub fn supports(self, copy: &Listing, merged: &Listing) -> bool {
        if !self.stated_by(copy) {
            return false;
        }
        let text = |x: &Option<String>, y: &Option<String>| match (x, y) {
            (Some(x), Some(y)) => same_text(x, y),
            _ => false,
        };
        let (c, m) = (&copy.address, &merged.address);
        match self {
            Field::Name => same_text(&copy.name, &merged.name),
            Field::AltName => text(&copy.alt_name, &merged.alt_name),
            Field::Description => copy.description == merged.description,
            Field::Address => [
                (&c.street, &m.street),
                (&c.street2, &m.street2),
                (&c.city, &m.city),
                (&c.state, &m.state),
                (&c.zip, &m.zip),
            ]
            .iter()
            .all(|(x, y)| x.is_none() || text(x, y)),
            Field::Location => copy.location == merged.location,
            Field::PhoneMain => copy.phones.main == merged.phones.main,
            Field::PhoneIntake => copy.phones.intake == merged.phones.intake,
            Field::PhoneHotline => copy.phones.hotline == merged.phones.hotline,
            Field::Website => text(&copy.website, &merged.website),
            Field::AcceptingNewClients => {
                copy.accepting_new_clients == merged.accepting_new_clients
            }
            Field::Levels
            | Field::Modalities
            | Field::Medications
            | Field::Payments
            | Field::Populations
            | Field::Languages
            | Field::Schedule
            | Field::VirtualStates
            | Field::Services => true,
        }
    }

    fn attr(self, l: &Listing) -> Option<&Attr> {
        let group = match self {
            Field::Levels => Group::Level,
            Field::Modalities => Group::Modality,
            Field::Medications => Group::Medication,
            Field::Payments => Group::Payment,
            Field::Populations => Group::Population,
            Field::Languages => Group::Language,
            _ => return None,
        };
        l.attr(group)
    }
}

/// Equal text, ignoring case and runs of white space ("REGION TEN" is "Region Ten").
fn same_text(a: &str, b: &str) -> bool {
    let mut x = a.split_whitespace();
    let mut y = b.split_whitespace();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.to_lowercase() == q.to_lowercase() => {}
            _ => return false,
        }
    }
}

/// For each field a listing states, the keys of the sources (or derivations) that state it. See
/// the module documentation for the keys and the JSON shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance(BTreeMap<Field, BTreeSet<String>>);

impl Provenance {
    /// Whether no field has provenance.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys of what states `field` (none when nothing does), sorted.
    pub fn keys(&self, field: Field) -> impl Iterator<Item = &str> {
        self.0.get(&field).into_iter().flatten().map(String::as_str)
    }

    /// Whether anything is recorded for `field`.
    pub fn has(&self, field: Field) -> bool {
        self.0.contains_key(&field)
    }

    /// `field` now comes from `key` alone (a value that replaced what was there).
    pub fn set(&mut self, field: Field, key: impl Into<String>) {
        self.0.insert(field, BTreeSet::from([key.into()]));
    }

    /// `key` states `field` too.
    pub fn add(&mut self, field: Field, key: impl Into<String>) {
        self.0.entry(field).or_default().insert(key.into());
    }

    /// Forgets `field` (its value is gone).
    pub fn remove(&mut self, field: Field) {
        self.0.remove(&field);
    }

    /// Every field with its keys, in [`Field::ALL`] order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Field, &BTreeSet<String>)> {
        self.0.iter().map(|(f, keys)| (*f, keys))
    }

    /// The provenance of `merged`, joined from `copies`: per field, the keys of every copy that
    /// says what `merged` holds there ([`Field::supports`]). A value that only one copy had
    /// keeps only that copy's keys; a value several copies agree on (or a group they union)
    /// gets all of theirs.
    pub fn of_merge(merged: &Listing, copies: &[Listing]) -> Provenance {
        let mut out = Provenance::default();
        for f in Field::ALL {
            if !f.stated_by(merged) {
                continue;
            }
            for c in copies.iter().filter(|c| f.supports(c, merged)) {
                for k in c.provenance.keys(f) {
                    out.add(f, k);
                }
            }
        }
        out
    }
}

impl Listing {
    /// Settles the provenance of a listing as a parser made it: entries of fields the listing
    /// no longer states are dropped, and when the listing has exactly one source, every field
    /// it states that has no entry yet is stamped with that source's key. Ingest calls it on
    /// every parsed listing before validation repairs it (each repair then says what it did),
    /// and again after.
    pub fn stamp_provenance(&mut self) {
        for f in Field::ALL {
            if !f.stated_by(self) {
                self.provenance.remove(f);
            }
        }
        if let [only] = self.sources.as_slice() {
            let key = only.key();
            for f in Field::ALL {
                if f.stated_by(self) && !self.provenance.has(f) {
                    self.provenance.set(f, key.clone());
                }
            }
        }
    }

    /// The source a provenance key names (`None` for a derived key or an unknown one).
    pub fn source_of_key(&self, key: &str) -> Option<&SourceRef> {
        let (name, record_id) = key.split_once(':')?;
        self.sources.iter().find(|s| s.name == name && s.record_id == record_id)
    }
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(f, keys)| (f.as_str(), keys)))
    }
}

impl<'de> Deserialize<'de> for Provenance {
    /// Reads the JSON object; a field name this version does not know is skipped (a newer
    /// writer may record more), and so is an empty list.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Provenance, D::Error> {
        let raw = BTreeMap::<String, BTreeSet<String>>::deserialize(d)?;
        Ok(Provenance(
            raw.into_iter()
                .filter(|(_, keys)| !keys.is_empty())
                .filter_map(|(name, keys)| Some((Field::parse(&name)?, keys)))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Location;

    fn source(name: &str, id: &str) -> SourceRef {
        SourceRef { name: name.into(), record_id: id.into(), retrieved: None, license: None }
    }

    #[test]
    fn a_single_source_states_every_field_it_holds_and_nothing_else() {
        let mut l = Listing {
            name: "Region Ten".into(),
            levels: Attr::known(["iop"]),
            payments: Attr::known(Vec::<String>::new()),
            medications: Attr::partial(["methadone"]),
            location: Some(Location { lat: 38.0, lon: -78.5, approximate: false }),
            sources: vec![source("samhsa-findtreatment", "42")],
            ..Listing::default()
        };
        l.phones.main = Some("+14349798871".into());
        l.stamp_provenance();
        let stated: Vec<&str> = l.provenance.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            stated,
            ["name", "location", "phones.main", "levels", "medications", "payments"],
            "a known 'none' is stated; unknown groups and empty fields are not"
        );
        assert!(l.provenance.keys(Field::Levels).eq(["samhsa-findtreatment:42"]));
        assert_eq!(l.source_of_key("samhsa-findtreatment:42"), Some(&l.sources[0]));

        // A repair that replaces a value replaces its provenance, and stamping again keeps it;
        // a value that is dropped loses its entry.
        l.provenance.set(Field::Location, DERIVED_ZIP_CENTROID);
        l.phones.main = None;
        l.stamp_provenance();
        assert!(l.provenance.keys(Field::Location).eq([DERIVED_ZIP_CENTROID]));
        assert!(!l.provenance.has(Field::PhoneMain));
        assert_eq!(l.source_of_key(DERIVED_ZIP_CENTROID), None);
    }

    #[test]
    fn two_sources_are_not_guessed_between() {
        let mut l = Listing {
            name: "X".into(),
            sources: vec![source("a", "1"), source("b", "2")],
            ..Listing::default()
        };
        l.stamp_provenance();
        assert!(l.provenance.is_empty());
    }

    #[test]
    fn merge_keeps_the_sources_that_say_what_the_merged_listing_says() {
        let mut a = Listing {
            name: "Region Ten Community Services Board".into(),
            levels: Attr::known(["iop", "op"]),
            website: Some("http://regionten.org".into()),
            sources: vec![source("ft", "1")],
            ..Listing::default()
        };
        a.phones.main = Some("+14349798871".into());
        a.stamp_provenance();
        let mut b = Listing {
            name: "REGION TEN COMMUNITY  SERVICES BOARD".into(),
            levels: Attr::partial(["otp"]),
            sources: vec![source("otp", "row 7")],
            ..Listing::default()
        };
        b.phones.main = Some("+14340000000".into());
        b.phones.intake = Some("+14341111111".into());
        b.stamp_provenance();
        // What combine makes of them: a's values first, b fills the gaps, groups unioned.
        let mut merged = a.clone();
        merged.levels.merge(&b.levels);
        merged.phones.intake.clone_from(&b.phones.intake);
        let p = Provenance::of_merge(&merged, &[a, b]);
        assert!(p.keys(Field::Name).eq(["ft:1", "otp:row 7"]), "same name in capitals");
        assert!(p.keys(Field::Levels).eq(["ft:1", "otp:row 7"]));
        assert!(p.keys(Field::PhoneMain).eq(["ft:1"]), "b's other number was not kept");
        assert!(p.keys(Field::PhoneIntake).eq(["otp:row 7"]));
        assert!(p.keys(Field::Website).eq(["ft:1"]));
        assert!(!p.has(Field::Payments));
    }

    #[test]
    fn json_is_keyed_by_field_name_and_tolerates_what_it_does_not_know() {
        let mut p = Provenance::default();
        p.add(Field::PhoneMain, "b:2");
        p.add(Field::PhoneMain, "a:1");
        p.set(Field::Location, DERIVED_CITY_CENTROID);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"location": ["derived:city-centroid"], "phones.main": ["a:1", "b:2"]})
        );
        let back: Provenance = serde_json::from_value(serde_json::json!({
            "location": ["derived:city-centroid"], "phones.main": ["b:2", "a:1"],
            "parking": ["x:1"], "website": [],
        }))
        .unwrap();
        assert_eq!(back, p);
        for f in Field::ALL {
            assert_eq!(Field::parse(f.as_str()), Some(f));
        }
    }
}
