/*!
Open Referral (HSDS) formats and free-text hours for IOP Finder.

# Brief overview

- [`hours`]: [`hours::parse_hours`] reads free-text opening hours ("10:00am-9:00pm, Mon-Thur;
  9:00am-2:30pm, Fri", "Monday-Thursday, 9-9") into weekly [`iop_core::Session`]s and says what
  it could not read. It is what gives listings the day / evening / weekend facets that SAMHSA
  data lacks.
- [`miami`]: the real 2-1-1 Miami HSDS 1.x data package (2019), filtered to substance-use and
  mental-health services by AIRS taxonomy code ([`airs`] maps the codes onto the vocabulary).
- [`ohana`]: the Ohana API San Mateo export (2013-14), Mongo extended JSON lines.
- [`hsds3`]: HSDS 3.0 in (nested JSON services, tabular CSV packages) and out
  ([`hsds3::to_hsds_service`], [`hsds3::page`]), with [`schema`], a small JSON Schema checker
  for the subset the HSDS 3.0 schemas use.
- [`text`]: repairs for exported free text (escaped newlines, CP437 mojibake, markers).

Every importer returns an [`HsdsParsed`]: listings plus [`HsdsProblem`]s (rejected, repaired or
unmapped records, each naming source, record, field and reason). The ingest crate turns these
into its own `Parsed`; this crate does not depend on it (ingest depends on this one).

Files that cannot be read at all give an [`Error`] naming the file and the line or field.
*/
#![warn(missing_docs)]

pub mod airs;
pub mod hours;
pub mod hsds3;
pub mod languages;
pub mod miami;
pub mod ohana;
pub mod schema;
pub mod text;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use iop_core::Listing;
use serde::Serialize;

pub use hours::{Coverage, HoursOptions, HoursParse, parse_hours};

/// What happened to a record that did not go through untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HsdsProblemKind {
    /// The record was left out.
    Rejected,
    /// The record went through after a repair (or with a field dropped).
    Repaired,
    /// A value could not be mapped onto the vocabulary or structured; kept as raw text.
    Unmapped,
}

/// One rejected, repaired or unmapped record, precise enough to find it in the source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HsdsProblem {
    /// What happened.
    pub kind: HsdsProblemKind,
    /// Source name (`miami-211`, `ohana-smc`, `hsds3:<file>`).
    pub source: String,
    /// 1-based record number within the source file (data rows, header excluded).
    pub record: usize,
    /// The field at fault (`regular_schedules.original_text`).
    pub field: String,
    /// Why, in plain words.
    pub reason: String,
}

impl fmt::Display for HsdsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            HsdsProblemKind::Rejected => "rejected",
            HsdsProblemKind::Repaired => "repaired",
            HsdsProblemKind::Unmapped => "unmapped",
        };
        write!(
            f,
            "{kind}: {} record {} field {}: {}",
            self.source, self.record, self.field, self.reason
        )
    }
}

/// The output of one importer.
#[derive(Clone, Debug, Default)]
pub struct HsdsParsed {
    /// Records read.
    pub read: usize,
    /// Listings that went through (possibly repaired).
    pub listings: Vec<Listing>,
    /// The 1-based record number of each listing, in step with `listings`: the number its
    /// problems carry, so a problem found later (by ingest's validation) names the same record.
    /// One record can give several listings (an HSDS 3.0 service at several locations).
    pub records: Vec<usize>,
    /// Everything that was rejected, repaired or unmapped.
    pub problems: Vec<HsdsProblem>,
    /// Records deliberately left out because they are not substance-use or mental-health
    /// services (a food bank, a library); not problems, so not listed one by one.
    pub left_out: usize,
}

impl HsdsParsed {
    pub(crate) fn problem(
        &mut self,
        kind: HsdsProblemKind,
        source: &str,
        record: usize,
        field: &str,
        reason: impl Into<String>,
    ) {
        self.problems.push(HsdsProblem {
            kind,
            source: source.to_owned(),
            record,
            field: field.to_owned(),
            reason: reason.into(),
        });
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of the file is malformed (bad CSV row, bad JSON line, bad TOML).
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field has the wrong type or value, or a required one is missing.
    #[error("{}: field {field}: {message}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, as a path (`schedules[0].opens_at`).
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Result alias for the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Reads a file, gunzipping it when its name ends in `.gz`.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let read_err = |source| Error::Read { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file).read_to_string(&mut text).map_err(read_err)?;
    } else {
        std::io::BufReader::new(file).read_to_string(&mut text).map_err(read_err)?;
    }
    Ok(text)
}

/// A CSV table read into rows of named fields, with the line each row starts on.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    /// Reads a CSV file (gzipped or not). A malformed row is an error naming its line.
    pub(crate) fn read(path: &Path, required: &[&str]) -> Result<Table> {
        let text = read_text(path)?;
        Table::parse(path, &text, required)
    }

    pub(crate) fn parse(path: &Path, text: &str, required: &[&str]) -> Result<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // The csv crate's line numbers lag behind with CRLF files (the HSDS examples are CRLF).
        let text = text.replace("\r\n", "\n");
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        let line_err = |e: csv::Error| Error::Line {
            path: path.to_owned(),
            line: e.position().map_or(1, csv::Position::line),
            message: e.to_string(),
        };
        let headers: Vec<String> =
            rdr.headers().map_err(line_err)?.iter().map(|h| h.trim().to_owned()).collect();
        for r in required {
            if !headers.iter().any(|h| h == r) {
                return Err(Error::Field {
                    path: path.to_owned(),
                    field: (*r).to_owned(),
                    message: format!("column missing (the header is {})", headers.join(",")),
                });
            }
        }
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(line_err)?;
            rows.push((rec.position().map_or(0, csv::Position::line), rec));
        }
        Ok(Table { headers, rows })
    }

    /// The index of a column.
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// A getter for a column: the trimmed value, empty when the column is absent.
    pub(crate) fn getter(&self, name: &str) -> impl Fn(&csv::StringRecord) -> String + use<> {
        let i = self.col(name);
        move |rec: &csv::StringRecord| i.and_then(|i| rec.get(i)).unwrap_or("").trim().to_owned()
    }
}
