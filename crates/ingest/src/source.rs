//! What every source parser returns, and the error type of the crate.

use std::fmt;
use std::path::{Path, PathBuf};

use iop_core::{Listing, SourceRef};
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

impl SourceInfo {
    /// The identity of a source: its provenance name, id prefix, license and retrieval date.
    pub(crate) fn new(name: &str, id_prefix: &str, license: &str, retrieved: &str) -> SourceInfo {
        SourceInfo {
            name: name.to_owned(),
            id_prefix: id_prefix.to_owned(),
            license: license.to_owned(),
            retrieved: retrieved.to_owned(),
        }
    }

    /// The provenance this source stamps on a listing made from its record `record_id`: one
    /// place for what every parser writes, so that no source forgets the license or the date.
    pub(crate) fn source_ref(&self, record_id: String) -> SourceRef {
        SourceRef {
            name: self.name.clone(),
            record_id,
            retrieved: Some(self.retrieved.clone()),
            license: Some(self.license.clone()),
        }
    }
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

impl Problem {
    /// A problem of record `record` (1-based) of `source`, on `field`. The parsers make their
    /// problems here, most through a closure that fixes the source and the record.
    pub(crate) fn new(
        kind: ProblemKind,
        source: &str,
        record: usize,
        field: &str,
        reason: String,
    ) -> Problem {
        Problem { kind, source: source.to_owned(), record, field: field.to_owned(), reason }
    }
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

/// Reads a saved API response (a page the live client wrote) and parses it with `parse`, so that
/// a format error names the file rather than the response (see [`response_error`]). Shared by
/// the API sources (FindTreatment.gov, NPPES), whose parsers also read live responses.
pub(crate) fn parse_saved<T>(path: &Path, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Read { path: path.to_owned(), source })?;
    parse(&text).map_err(|e| match e {
        Error::Format { message, .. } => Error::Format { path: path.to_owned(), message },
        other => other,
    })
}

/// A format error of an API response body of `info`'s source, named `<source response>`:
/// a live response has no file ([`parse_saved`] puts the file in when there is one).
pub(crate) fn response_error(info: &SourceInfo, message: String) -> Error {
    Error::Format { path: PathBuf::from(format!("<{} response>", info.name)), message }
}

/// Whether `s` looks like a `YYYY-MM-DD` date (digits and dashes in place; not checked as a
/// calendar date). How the sources that carry update dates tell a date from other text.
pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert!(is_iso_date("2018-09-22"));
        assert!(!is_iso_date("2018-9-22"));
        assert!(!is_iso_date("22/09/2018"));
        assert!(!is_iso_date("2018-09-22T00:00"));
    }
}
