//! Refresh: compare a new ingest with the previous one.
//!
//! Re-ingesting keeps what did not change, updates what did, and keeps listings that the sources
//! stopped listing, marked `stale` (shown as such), instead of deleting them at once: a program
//! that vanished from a directory may still be open, and a helpline worker should see that the
//! listing is old rather than not see it at all.
//!
//! An updated listing takes the current ingest's content whole, provenance included; a stale
//! one keeps what it had, provenance included. The report counts, for updated listings, which
//! fields changed ([`changed_fields`]).

use std::collections::BTreeMap;
use std::fmt;

use iop_core::{Field, Listing};
use serde::Serialize;

/// A change in a listing's `sources` (a record added or gone, a newer retrieval).
pub const SOURCES: &str = "sources";
/// A change in `last_verified`.
pub const LAST_VERIFIED: &str = "last_verified";
/// Only the provenance of a field changed (another source now says the same value).
pub const PROVENANCE: &str = "provenance";

/// What a refresh found, by listing id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// New listings.
    pub added: usize,
    /// Listings whose content changed.
    pub updated: usize,
    /// Listings identical to the previous run.
    pub unchanged: usize,
    /// Listings the sources no longer list, kept and marked stale.
    pub stale: usize,
    /// Per changed field ([`Field::as_str`], or [`SOURCES`], [`LAST_VERIFIED`],
    /// [`PROVENANCE`]): how many updated listings changed it. A listing counts once in each
    /// field it changed, so the counts may add up to more than `updated`.
    pub fields: BTreeMap<String, usize>,
}

impl RefreshReport {
    /// The per-field counts in listing order: the fields of [`Field::ALL`], then sources,
    /// last verified and provenance.
    pub fn field_counts(&self) -> Vec<(&str, usize)> {
        let order =
            Field::ALL.iter().map(|f| f.as_str()).chain([SOURCES, LAST_VERIFIED, PROVENANCE]);
        order.filter_map(|name| Some((name, *self.fields.get(name)?))).collect()
    }
}

impl fmt::Display for RefreshReport {
    /// `refresh: 1 added, 3 updated (phones.main 2, schedule 1), 100 unchanged, 1 stale`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refresh: {} added, {} updated", self.added, self.updated)?;
        let counts = self.field_counts();
        if !counts.is_empty() {
            let list: Vec<String> = counts.iter().map(|(name, n)| format!("{name} {n}")).collect();
            write!(f, " ({})", list.join(", "))?;
        }
        write!(f, ", {} unchanged, {} stale", self.unchanged, self.stale)
    }
}

/// What differs between the previous and the current version of one listing: the fields whose
/// value changed ([`Field::as_str`]), then [`SOURCES`] and [`LAST_VERIFIED`] when those changed,
/// then [`PROVENANCE`] when only who says a value changed. Provenance is compared only when the
/// previous version has some: a listing written before provenance existed is not "updated" for
/// lacking it. The `stale` flag is not content. Empty when nothing changed.
pub fn changed_fields(before: &Listing, now: &Listing) -> Vec<&'static str> {
    let mut changed: Vec<&'static str> =
        Field::ALL.into_iter().filter(|f| !f.same(before, now)).map(Field::as_str).collect();
    if before.sources != now.sources {
        changed.push(SOURCES);
    }
    if before.last_verified != now.last_verified {
        changed.push(LAST_VERIFIED);
    }
    let attribution_changed = Field::ALL
        .into_iter()
        .any(|f| f.same(before, now) && !before.provenance.keys(f).eq(now.provenance.keys(f)));
    if !before.provenance.is_empty() && attribution_changed {
        changed.push(PROVENANCE);
    }
    changed
}

/// Merges `current` (a fresh ingest) with `previous` (the last one): listings in both take the
/// current content; listings only in `previous` are kept with `stale = true`. Sorted by id.
pub fn refresh(previous: Vec<Listing>, current: Vec<Listing>) -> (Vec<Listing>, RefreshReport) {
    let mut report = RefreshReport::default();
    let mut old: BTreeMap<String, Listing> =
        previous.into_iter().map(|l| (l.id.clone(), l)).collect();
    let mut out = Vec::with_capacity(current.len() + old.len());
    for listing in current {
        match old.remove(&listing.id) {
            None => report.added += 1,
            Some(before) => {
                // A listing that comes back is no longer stale: the flag is not compared.
                let changed = changed_fields(&before, &listing);
                if changed.is_empty() {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    for name in changed {
                        *report.fields.entry(name.to_owned()).or_default() += 1;
                    }
                }
            }
        }
        out.push(listing);
    }
    for (_, mut gone) in old {
        gone.stale = true;
        report.stale += 1;
        out.push(gone);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    (out, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iop_core::{Attr, SourceRef};

    fn listing(id: &str, name: &str) -> Listing {
        let mut l = Listing {
            id: id.into(),
            name: name.into(),
            sources: vec![SourceRef {
                name: "samhsa-locator-2021".into(),
                record_id: format!("row {id}"),
                retrieved: Some("2021-07-28".into()),
                license: None,
            }],
            ..Listing::default()
        };
        l.stamp_provenance();
        l
    }

    #[test]
    fn added_updated_unchanged_stale() {
        let previous = vec![listing("a", "A"), listing("b", "B"), listing("c", "C")];
        let current = vec![listing("a", "A"), listing("b", "B renamed"), listing("d", "D")];
        let (out, report) = refresh(previous, current);
        let fields = BTreeMap::from([("name".to_owned(), 1)]);
        assert_eq!(report, RefreshReport { added: 1, updated: 1, unchanged: 1, stale: 1, fields });
        assert_eq!(
            report.to_string(),
            "refresh: 1 added, 1 updated (name 1), 1 unchanged, 1 stale"
        );
        let ids: Vec<(&str, bool)> = out.iter().map(|l| (l.id.as_str(), l.stale)).collect();
        assert_eq!(ids, [("a", false), ("b", false), ("c", true), ("d", false)]);
        assert_eq!(out[1].name, "B renamed");
        // The stale listing keeps its provenance.
        assert!(out[2].provenance.keys(Field::Name).eq(["samhsa-locator-2021:row c"]));
    }

    #[test]
    fn a_listing_that_returns_is_no_longer_stale() {
        let mut old = listing("a", "A");
        old.stale = true;
        let (out, report) = refresh(vec![old], vec![listing("a", "A")]);
        assert_eq!(report.unchanged, 1);
        assert!(!out[0].stale);
    }

    #[test]
    fn each_changed_field_is_counted_once_per_listing() {
        let before = vec![listing("a", "A"), listing("b", "B"), listing("c", "C")];
        let mut now = before.clone();
        // a: a new phone and levels; b: levels only; c: a second source says the same name.
        now[0].phones.main = Some("+14349798871".into());
        now[0].levels = Attr::known(["iop"]);
        now[1].levels = Attr::partial(["otp"]);
        now[2].sources.push(SourceRef {
            name: "samhsa-otp-2021".into(),
            record_id: "row 9".into(),
            retrieved: Some("2021-07-28".into()),
            license: None,
        });
        now[2].provenance.add(Field::Name, "samhsa-otp-2021:row 9");
        for l in &mut now[..2] {
            l.stamp_provenance();
        }
        assert_eq!(changed_fields(&before[0], &now[0]), ["phones.main", "levels"]);
        assert_eq!(changed_fields(&before[2], &now[2]), [SOURCES, PROVENANCE]);
        let (out, report) = refresh(before, now.clone());
        assert_eq!(
            report.to_string(),
            "refresh: 0 added, 3 updated (phones.main 1, levels 2, sources 1, provenance 1), \
             0 unchanged, 0 stale"
        );
        // Updated listings carry the current ingest's provenance.
        assert!(out[0].provenance.keys(Field::Levels).eq(["samhsa-locator-2021:row a"]));
        assert_eq!(out, now);
    }

    #[test]
    fn a_previous_run_without_provenance_is_not_an_update() {
        let mut old = listing("a", "A");
        old.provenance = Default::default();
        let (_, report) = refresh(vec![old], vec![listing("a", "A")]);
        assert_eq!((report.updated, report.unchanged), (0, 1));
    }
}
