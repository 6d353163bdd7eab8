//! 2025 FindTreatment.gov records for California residential searches, as flattened by
//! `hackingco/soberlivings-finder` (`residential_facilities.json`, shipped gzipped) -> listings.
//!
//! Each record has `name, city, state, zip, phone, website, latitude, longitude` (strings) and
//! `all_services`: every `f3` service name of the record joined by `"; "`, the category codes
//! dropped. Names go through [`crate::services::apply_uncategorised`], which recovers a name's
//! category only where that wording was seen under a category in real records; other values
//! stay partial. The file repeats some facilities (same name and coordinates, found by several
//! searches): they are folded into one listing with the union of their services, and each fold
//! is reported as a [`ProblemKind::Repaired`] problem on the dropped record.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use iop_core::id::stable_id;
use iop_core::{Address, Listing, Phones};
use serde_json::{Map, Value};

use crate::services::{apply_uncategorised, clean, key_part, parse_location, split_names};
use crate::source::{Error, Parsed, Problem, ProblemKind, Result, SourceInfo};

/// Source name stamped on these listings.
pub const SOURCE_NAME: &str = "samhsa-findtreatment-2025-ca";
/// Prefix of the ids this source mints.
pub const ID_PREFIX: &str = "ftca2025";
/// License and attribution.
pub const LICENSE: &str = "Public domain data (SAMHSA); flattened by hackingco/soberlivings-finder";
/// When the flattened file was committed.
pub const RETRIEVED: &str = "2025-08-27";
/// The shipped file's name in `data/samhsa/`.
pub const SHIPPED: &str = "residential_facilities_ca_2025.json.gz";

/// The reason text of a fold problem (tests and reports count on it).
pub const FOLD_REASON: &str = "duplicate of an earlier record (same name and coordinates)";

/// The [`SourceInfo`] of the file.
pub fn source_info() -> SourceInfo {
    SourceInfo::new(SOURCE_NAME, ID_PREFIX, LICENSE, RETRIEVED)
}

/// Parses the file at `path`, gzipped (as shipped) or plain JSON.
pub fn parse(path: &Path) -> Result<Parsed> {
    let file = std::fs::File::open(path)
        .map_err(|source| Error::Read { path: path.to_owned(), source })?;
    parse_reader(file, path, &source_info())
}

/// Parses from a reader holding gzipped or plain JSON; `path` labels errors.
pub fn parse_reader<R: Read>(mut reader: R, path: &Path, info: &SourceInfo) -> Result<Parsed> {
    let read_err = |source| Error::Read { path: path.to_owned(), source };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        GzDecoder::new(bytes.as_slice()).read_to_end(&mut plain).map_err(read_err)?;
        bytes = plain;
    }
    parse_json(&bytes, path, info)
}

/// Parses the JSON text of the file (an array of records).
pub fn parse_str(text: &str, info: &SourceInfo) -> Result<Parsed> {
    parse_json(text.as_bytes(), &PathBuf::from(format!("<{}>", info.name)), info)
}

fn parse_json(bytes: &[u8], path: &Path, info: &SourceInfo) -> Result<Parsed> {
    let format = |message: String| Error::Format { path: path.to_owned(), message };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format(format!("invalid JSON: {e}")))?;
    let Value::Array(records) = value else {
        return Err(format("expected a JSON array of facility records".to_owned()));
    };
    let mut parsed = Parsed { read: records.len(), ..Parsed::default() };
    // (name, latitude, longitude) as written -> index in parsed.listings and its record number.
    let mut seen: HashMap<(String, String, String), (usize, usize)> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        let n = i + 1;
        let Value::Object(record) = record else {
            parsed.problems.push(problem(info, n, "record", "record is not an object".to_owned()));
            continue;
        };
        let field = |k: &str| text(record.get(k));
        let Some(name) = clean(field("name").as_deref()) else {
            parsed.problems.push(problem(info, n, "name", "no facility name".to_owned()));
            continue;
        };
        let fold_key = (
            name.clone(),
            field("latitude").unwrap_or_default().trim().to_owned(),
            field("longitude").unwrap_or_default().trim().to_owned(),
        );
        let names = services(record);
        if let Some(&(index, first)) = seen.get(&fold_key) {
            let listing = &mut parsed.listings[index];
            let mut reason = format!("{FOLD_REASON}: record {first}; services merged");
            let phone = clean(field("phone").as_deref());
            if phone.is_some() && phone != listing.phones.main {
                reason.push_str(&format!(
                    "; its phone {:?} was dropped for {:?}",
                    phone.unwrap_or_default(),
                    listing.phones.main.clone().unwrap_or_default()
                ));
            }
            apply_uncategorised(listing, &names, &info.name, n, &mut parsed.problems);
            parsed.problems.push(Problem::new(
                ProblemKind::Repaired,
                &info.name,
                n,
                "name,latitude,longitude",
                reason,
            ));
            continue;
        }
        let zip = clean(field("zip").as_deref());
        // Name and ZIP alone are not unique here (one organisation runs several sites in a
        // ZIP), so the coordinates are part of the key.
        let record_id = format!(
            "{}|{}|{}|{}",
            key_part(Some(&name)),
            key_part(zip.as_deref()),
            fold_key.1,
            fold_key.2
        );
        let mut listing = Listing {
            id: stable_id(&info.id_prefix, &record_id),
            address: Address {
                city: clean(field("city").as_deref()),
                state: clean(field("state").as_deref()),
                zip,
                ..Address::default()
            },
            location: parse_location(
                Some(&fold_key.1),
                Some(&fold_key.2),
                &info.name,
                n,
                &mut parsed.problems,
            ),
            phones: Phones { main: clean(field("phone").as_deref()), ..Phones::default() },
            website: clean(field("website").as_deref()),
            sources: vec![info.source_ref(record_id)],
            last_verified: Some(info.retrieved.clone()),
            name,
            ..Listing::default()
        };
        apply_uncategorised(&mut listing, &names, &info.name, n, &mut parsed.problems);
        seen.insert(fold_key, (parsed.listings.len(), n));
        parsed.listings.push(listing);
    }
    Ok(parsed)
}

/// The record's service names: `all_services`, plus `residential_services` in case a
/// flattening ever left one out of the other.
fn services(record: &Map<String, Value>) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for key in ["all_services", "residential_services"] {
        if let Some(Value::String(joined)) = record.get(key) {
            for n in split_names(joined) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    names
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn problem(info: &SourceInfo, record: usize, field: &str, reason: String) -> Problem {
    Problem::new(ProblemKind::Rejected, &info.name, record, field, reason)
}
