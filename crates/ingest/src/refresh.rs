//! Refresh: compare a new ingest with the previous one.
//!
//! Re-ingesting keeps what did not change, updates what did, and keeps listings that the sources
//! stopped listing, marked `stale` (shown as such), instead of deleting them at once: a program
//! that vanished from a directory may still be open, and a helpline worker should see that the
//! listing is old rather than not see it at all.

use std::collections::BTreeMap;
use std::fmt;

use iop_core::Listing;
use serde::Serialize;

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
}

impl fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refresh: {} added, {} updated, {} unchanged, {} stale",
            self.added, self.updated, self.unchanged, self.stale
        )
    }
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
            Some(mut before) => {
                // A listing that comes back is no longer stale; compare content, not the flag.
                before.stale = false;
                if before == listing {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
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

    fn listing(id: &str, name: &str) -> Listing {
        Listing { id: id.into(), name: name.into(), ..Listing::default() }
    }

    #[test]
    fn added_updated_unchanged_stale() {
        let previous = vec![listing("a", "A"), listing("b", "B"), listing("c", "C")];
        let current = vec![listing("a", "A"), listing("b", "B renamed"), listing("d", "D")];
        let (out, report) = refresh(previous, current);
        assert_eq!(report, RefreshReport { added: 1, updated: 1, unchanged: 1, stale: 1 });
        let ids: Vec<(&str, bool)> = out.iter().map(|l| (l.id.as_str(), l.stale)).collect();
        assert_eq!(ids, [("a", false), ("b", false), ("c", true), ("d", false)]);
        assert_eq!(out[1].name, "B renamed");
    }

    #[test]
    fn a_listing_that_returns_is_no_longer_stale() {
        let mut old = listing("a", "A");
        old.stale = true;
        let (out, report) = refresh(vec![old], vec![listing("a", "A")]);
        assert_eq!(report.unchanged, 1);
        assert!(!out[0].stale);
    }
}
