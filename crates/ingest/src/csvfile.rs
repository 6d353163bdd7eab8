//! Reading the CSV sources: opening (plain or gzipped), required columns, and record numbers.
//!
//! Shared by the CSV parsers so that every one of them turns an unreadable file into
//! [`Error::Read`] and a malformed one into [`Error::Format`] naming the line, the same way.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use csv::StringRecord;
use iop_core::Location;

use crate::source::{Error, Result};

/// An open CSV file with its header.
pub(crate) struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    headers: StringRecord,
    /// Data records read so far.
    read: usize,
}

impl std::fmt::Debug for CsvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvFile").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Opens `path` for reading, through gzip when the name ends in `.gz`.
pub(crate) fn open_bytes(path: &Path) -> Result<Box<dyn Read>> {
    let file = File::open(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    Ok(reader)
}

impl CsvFile {
    /// Opens a CSV file with a header row.
    pub(crate) fn open(path: &Path) -> Result<CsvFile> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(open_bytes(path)?);
        let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
        Ok(CsvFile { path: path.to_owned(), reader, headers, read: 0 })
    }

    /// The index of a required column; a missing column is a format error naming it.
    pub(crate) fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| Error::Format {
                path: self.path.clone(),
                message: format!(
                    "line 1: missing column {name:?} (the header has: {})",
                    self.headers.iter().collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// The next data record with its 1-based record number (header excluded), or `None` at the
    /// end. A record that cannot be decoded is a format error naming its line. Every CSV parser
    /// numbers its records (and so its problems) this one way.
    pub(crate) fn next_record(&mut self, record: &mut StringRecord) -> Result<Option<usize>> {
        if !self.reader.read_record(record).map_err(|e| csv_error(&self.path, e))? {
            return Ok(None);
        }
        self.read += 1;
        Ok(Some(self.read))
    }
}

/// A trimmed field, `None` when empty or absent.
pub(crate) fn field(rec: &StringRecord, idx: usize) -> Option<String> {
    rec.get(idx).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The point of a record's latitude and longitude columns: `Ok(None)` when either is empty (the
/// geocoder places the listing later), `Err(reason)` when they are not numbers, for the parser
/// to report as a repair (the point is dropped). The CSV sources with coordinates share it so
/// that they read and report coordinates alike.
pub(crate) fn point(
    rec: &StringRecord,
    lat: usize,
    lon: usize,
) -> std::result::Result<Option<Location>, String> {
    match (field(rec, lat), field(rec, lon)) {
        (Some(lat), Some(lon)) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => Ok(Some(Location { lat, lon, approximate: false })),
            _ => Err(format!("coordinates ({lat}, {lon}) are not numbers: dropped")),
        },
        _ => Ok(None),
    }
}

/// Maps a csv error to the crate error: I/O problems are read errors, the rest format errors.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Read { path: path.to_owned(), source },
        kind => {
            let what = match kind {
                csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8 ({err})"),
                other => format!("{other:?}"),
            };
            let message = match line {
                Some(line) => format!("line {line}: {what}"),
                None => what,
            };
            Error::Format { path: path.to_owned(), message }
        }
    }
}
