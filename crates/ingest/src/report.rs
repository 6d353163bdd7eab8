//! The summary of an ingest: per-source counts, merges, listings per state and per level of
//! care, every problem, and (re-ingesting over a previous run) what changed, field by field.
//!
//! [`Summary`] serialises to JSON (for tools) and displays as a short plain-text report for
//! stderr. The problems themselves are not part of the display: the CLI prints them one per
//! line after it (each [`Problem`] displays as `kind: source record N field F: reason`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use iop_core::{Attr, Listing, states};
use serde::Serialize;

use crate::merge::MergeStats;
use crate::refresh::RefreshReport;
use crate::source::{Problem, ProblemKind};

/// Counts for one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    /// Source name (with the file name when a source has several files).
    pub source: String,
    /// The file read.
    pub file: String,
    /// Records read.
    pub read: usize,
    /// Records left out.
    pub rejected: usize,
    /// Records repaired (one record with several repairs counts once).
    pub repaired: usize,
    /// Records with a value that could not be mapped onto the vocabulary.
    pub unmapped: usize,
    /// Listings placed at a ZIP or city centroid rather than their own point.
    pub approximate: usize,
    /// Records left out on purpose, not as problems (HSDS services that are not treatment).
    pub left_out: usize,
    /// Listings that went through validation (before merging).
    pub listings: usize,
}

impl SourceSummary {
    pub(crate) fn new(source: &str, file: &Path, read: usize) -> SourceSummary {
        SourceSummary {
            source: source.to_owned(),
            file: file.display().to_string(),
            read,
            ..SourceSummary::default()
        }
    }

    /// Counts the records with each kind of problem.
    pub(crate) fn count_problems(&mut self, problems: &[Problem]) {
        let records = |kind: ProblemKind| {
            problems
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| p.record)
                .collect::<BTreeSet<_>>()
                .len()
        };
        self.rejected = records(ProblemKind::Rejected);
        self.repaired = records(ProblemKind::Repaired);
        self.unmapped = records(ProblemKind::Unmapped);
    }
}

/// How the listings stand on one level of care, or on the level group as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    /// Listings whose sources describe their levels completely.
    pub known: usize,
    /// Listings whose sources name some levels without describing all.
    pub partial: usize,
    /// Listings whose sources say nothing about levels.
    pub unknown: usize,
    /// Per level value: listings where it holds.
    pub offered: BTreeMap<String, usize>,
}

/// What an ingest did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// One row per source file, in the order read.
    pub sources: Vec<SourceSummary>,
    /// What the merge did.
    pub merge: MergeStats,
    /// Listings out.
    pub listings: usize,
    /// Listings per state or territory (every USPS code, zeros included).
    pub states: BTreeMap<String, usize>,
    /// Listings without a state (never expected: the validator rejects them).
    pub no_state: usize,
    /// Levels of care: known, partial, unknown, and per value.
    pub levels: LevelCounts,
    /// What the curated program sheets did.
    pub sheets: SheetsSummary,
    /// Every rejected, repaired or unmapped record.
    pub problems: Vec<Problem>,
    /// What changed since the previous run, when one was given ([`crate::Ingest::refresh`]).
    pub refresh: Option<RefreshReport>,
}

/// What the curated program sheets (`data/sheets/*.toml`) did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SheetsSummary {
    /// Sheet files read.
    pub read: usize,
    /// Sheets rejected (each also in `problems`, with file, line and reason).
    pub rejected: usize,
    /// Listings a sheet was applied to.
    pub applied: usize,
    /// Sessions added from sheet tracks.
    pub sessions: usize,
    /// Sheets naming a listing id that no source lists (each also in `problems`).
    pub unknown_ids: usize,
}

impl Summary {
    pub(crate) fn new() -> Summary {
        Summary {
            states: states::STATES.iter().map(|s| (s.code.to_owned(), 0)).collect(),
            ..Summary::default()
        }
    }

    /// Counts the final listings per state and per level of care.
    pub(crate) fn count_listings(&mut self, listings: &[Listing]) {
        self.listings = listings.len();
        let vocab = iop_core::Vocabulary::get();
        for v in vocab.values(iop_core::Group::Level) {
            self.levels.offered.insert(v.value.clone(), 0);
        }
        for l in listings {
            match l.address.state.as_deref() {
                Some(st) => *self.states.entry(st.to_owned()).or_default() += 1,
                None => self.no_state += 1,
            }
            match &l.levels {
                Attr::Known(_) => self.levels.known += 1,
                Attr::Partial(_) => self.levels.partial += 1,
                Attr::Unknown => self.levels.unknown += 1,
            }
            for v in l.levels.values() {
                *self.levels.offered.entry(v.to_owned()).or_default() += 1;
            }
        }
    }

    /// Problems of one kind.
    pub fn problems_of(&self, kind: ProblemKind) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.kind == kind)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.sources.iter().map(|s| s.source.len()).max().unwrap_or(6).max(6);
        writeln!(
            f,
            "{:<width$} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>8}",
            "source",
            "read",
            "rejected",
            "repaired",
            "unmapped",
            "approximate",
            "left out",
            "listings"
        )?;
        let mut total = SourceSummary::default();
        for s in &self.sources {
            writeln!(
                f,
                "{:<width$} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>8}",
                s.source,
                s.read,
                s.rejected,
                s.repaired,
                s.unmapped,
                s.approximate,
                s.left_out,
                s.listings
            )?;
            total.read += s.read;
            total.rejected += s.rejected;
            total.repaired += s.repaired;
            total.unmapped += s.unmapped;
            total.approximate += s.approximate;
            total.left_out += s.left_out;
            total.listings += s.listings;
        }
        writeln!(
            f,
            "{:<width$} {:>8} {:>8} {:>8} {:>8} {:>11} {:>8} {:>8}",
            "total",
            total.read,
            total.rejected,
            total.repaired,
            total.unmapped,
            total.approximate,
            total.left_out,
            total.listings
        )?;
        writeln!(
            f,
            "merged: {} copies of the same facility folded, {} listings -> {}",
            self.merge.merged, self.merge.input, self.merge.output
        )?;
        for (pair, n) in &self.merge.pairs {
            writeln!(f, "  {pair}: {n}")?;
        }
        if self.sheets.read > 0 {
            let sh = &self.sheets;
            writeln!(
                f,
                "sheets: {} read, {} rejected, {} applied, {} sessions, {} naming unknown ids",
                sh.read, sh.rejected, sh.applied, sh.sessions, sh.unknown_ids
            )?;
        }
        writeln!(f, "listings: {}", self.listings)?;
        let by_state: Vec<String> = self.states.iter().map(|(s, n)| format!("{s} {n}")).collect();
        for chunk in by_state.chunks(10) {
            writeln!(f, "  {}", chunk.join(", "))?;
        }
        if self.no_state > 0 {
            writeln!(f, "  without a state: {}", self.no_state)?;
        }
        writeln!(
            f,
            "levels of care: known {}, partial {}, unknown {}",
            self.levels.known, self.levels.partial, self.levels.unknown
        )?;
        let offered: Vec<String> =
            self.levels.offered.iter().map(|(v, n)| format!("{v} {n}")).collect();
        writeln!(f, "  offered: {}", offered.join(", "))?;
        write!(
            f,
            "problems: {} rejected, {} repaired, {} unmapped",
            self.problems_of(ProblemKind::Rejected).count(),
            self.problems_of(ProblemKind::Repaired).count(),
            self.problems_of(ProblemKind::Unmapped).count()
        )?;
        if let Some(r) = &self.refresh {
            write!(f, "\n{r}")?;
        }
        Ok(())
    }
}
