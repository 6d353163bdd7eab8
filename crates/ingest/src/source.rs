//! What every source parser returns, and the error type of the crate.

use std::fmt;
use std::path::PathBuf;

use iop_core::Listing;
use serde::Serialize;

/// Identity and license of a source, stamped on every listing it yields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// Short name used in provenance (`samhsa-findtreatment`, `ca-dhcs`, ...).
    pub name: String,
    /// Prefix of the stable ids this source mints (`ft`, `dhcs`, ...).
    pub id_prefix: String,
    /// License and attribution, as the product must show it.
    pub license: String,
    /// When the data was retrieved or published (`YYYY-MM-DD`).
    pub retrieved: String,
}

/// What happened to a record that did not go through untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The record was left out.
    Rejected,
    /// The record went through after a certain repair.
    Repaired,
    /// A value (e.g. a service name) could not be mapped onto the vocabulary; kept as raw text.
    Unmapped,
}

/// One rejected, repaired or unmapped record, precise enough to find and fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What happened.
    pub kind: ProblemKind,
    /// Source name.
    pub source: String,
    /// 1-based record number within the source file (data rows, header excluded).
    pub record: usize,
    /// The field at fault.
    pub field: String,
    /// Why, in plain words.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ProblemKind::Rejected => "rejected",
            ProblemKind::Repaired => "repaired",
            ProblemKind::Unmapped => "unmapped",
        };
        write!(
            f,
            "{kind}: {} record {} field {}: {}",
            self.source, self.record, self.field, self.reason
        )
    }
}

/// The output of parsing one source.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// Records read.
    pub read: usize,
    /// Listings that went through (possibly repaired).
    pub listings: Vec<Listing>,
    /// Everything that was rejected, repaired or unmapped.
    pub problems: Vec<Problem>,
}

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not in the expected format (wrong columns, not JSON, ...).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the line where there is one.
        message: String,
    },
}

/// Result alias for the crate.
pub type Result<T> = std::result::Result<T, Error>;
