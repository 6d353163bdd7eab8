//! The 2018 SAMHSA locator Excel export ("Facilities with service detail") -> listings.
//!
//! The export is wide: facility columns (`name1`, `street1`, ..., `latitude`, `longitude`,
//! `last_update`) and then one lower-case column per service code (`oit`, `cbt`, `md`, ...)
//! holding `1` or nothing. Its "service code reference" sheet gives each code's category, so
//! the set codes are grouped by category and go through
//! [`crate::services::apply_services`] exactly as a FindTreatment.gov record's `f2` groups do.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use iop_core::id::stable_id;
use iop_core::{Address, Listing, Phones, SourceRef};

use crate::services::{apply_services, clean, key_part, parse_location};
use crate::source::{Error, Parsed, Problem, ProblemKind, Result, SourceInfo, is_iso_date};

/// Source name stamped on listings from the 2018 locator export.
pub const SOURCE_NAME: &str = "samhsa-locator-2018";
/// Prefix of the ids this source mints.
pub const ID_PREFIX: &str = "loc2018";
/// License and attribution.
pub const LICENSE: &str =
    "Public domain (SAMHSA, Behavioral Health Treatment Services Locator export, 2018-04-06)";
/// When the export was made; a record's own `last_update` wins.
pub const RETRIEVED: &str = "2018-04-06";
/// File name of the code reference sheet, expected next to the facilities file.
pub const REFERENCE_FILE: &str = "service_code_reference_2018.csv";

/// Facility columns; every other column is a service code.
const FACILITY_COLUMNS: [&str; 18] = [
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "zip4",
    "county",
    "phone",
    "intake_prompt",
    "intake1",
    "intake2",
    "website",
    "latitude",
    "longitude",
    "type_facility",
    "last_update",
];

/// The [`SourceInfo`] of the 2018 export.
pub fn source_info() -> SourceInfo {
    SourceInfo::new(SOURCE_NAME, ID_PREFIX, LICENSE, RETRIEVED)
}

/// Parses the facilities CSV at `path`, with the code reference from the same folder
/// ([`REFERENCE_FILE`]).
pub fn parse(path: &Path) -> Result<Parsed> {
    parse_with_reference(path, &path.with_file_name(REFERENCE_FILE))
}

/// Parses the facilities CSV with the code reference CSV given explicitly.
pub fn parse_with_reference(facilities: &Path, reference: &Path) -> Result<Parsed> {
    let open = |p: &Path| {
        std::fs::File::open(p).map_err(|source| Error::Read { path: p.to_owned(), source })
    };
    let reference_codes = read_reference(open(reference)?, reference)?;
    parse_records(open(facilities)?, facilities, &reference_codes, &source_info())
}

/// Parses from readers (tests, or data that is not in files); `name` labels errors.
pub fn parse_reader<R: Read, S: Read>(
    facilities: R,
    reference: S,
    name: &Path,
    info: &SourceInfo,
) -> Result<Parsed> {
    let reference_codes = read_reference(reference, name)?;
    parse_records(facilities, name, &reference_codes, info)
}

/// Code (upper case) -> category code, from the reference sheet.
fn read_reference<S: Read>(reader: S, path: &Path) -> Result<HashMap<String, String>> {
    let format = |message: String| Error::Format { path: path.to_owned(), message };
    let mut rdr = csv::Reader::from_reader(reader);
    let headers = rdr.headers().map_err(|e| format(format!("code reference: {e}")))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            format(format!(
                "code reference has no {name:?} column (expected category_code, service_code)"
            ))
        })
    };
    let (cat, code) = (col("category_code")?, col("service_code")?);
    let mut map = HashMap::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| format(format!("code reference line {}: {e}", i + 2)))?;
        let (Some(c), Some(k)) = (row.get(cat), row.get(code)) else { continue };
        if !k.trim().is_empty() {
            map.insert(k.trim().to_ascii_uppercase(), c.trim().to_owned());
        }
    }
    Ok(map)
}

fn parse_records<R: Read>(
    reader: R,
    path: &Path,
    reference: &HashMap<String, String>,
    info: &SourceInfo,
) -> Result<Parsed> {
    let format = |message: String| Error::Format { path: path.to_owned(), message };
    let mut rdr = csv::Reader::from_reader(reader);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format(format!("header: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "name1") {
        return Err(format("no \"name1\" column: not a locator facilities export".to_owned()));
    }
    let mut parsed = Parsed::default();
    for (i, row) in rdr.records().enumerate() {
        let record = i + 1;
        let row = row.map_err(|e| format(format!("line {}: {e}", i + 2)))?;
        parsed.read += 1;
        let get = |name: &str| headers.iter().position(|h| h == name).and_then(|j| row.get(j));
        let Some(name) = clean(get("name1")) else {
            parsed.problems.push(Problem::new(
                ProblemKind::Rejected,
                &info.name,
                record,
                "name1",
                "no facility name".to_owned(),
            ));
            continue;
        };
        let street = clean(get("street1"));
        let zip = clean(get("zip"));
        let record_id = format!(
            "{}|{}|{}",
            key_part(Some(&name)),
            key_part(street.as_deref()),
            key_part(zip.as_deref())
        );
        // `last_update` is "2018-01-23 13:37:19.132": its date is when the record was confirmed.
        let retrieved = get("last_update")
            .map(str::trim)
            .and_then(|s| s.get(..10))
            .filter(|d| is_iso_date(d))
            .map_or_else(|| info.retrieved.clone(), str::to_owned);
        let mut listing = Listing {
            id: stable_id(&info.id_prefix, &record_id),
            alt_name: clean(get("name2")),
            address: Address {
                street,
                street2: clean(get("street2")),
                city: clean(get("city")),
                state: clean(get("state")),
                zip,
            },
            location: parse_location(
                get("latitude"),
                get("longitude"),
                &info.name,
                record,
                &mut parsed.problems,
            ),
            phones: Phones {
                main: clean(get("phone")),
                intake: clean(get("intake1")).or_else(|| clean(get("intake2"))),
                hotline: None,
            },
            website: clean(get("website")),
            sources: vec![SourceRef {
                retrieved: Some(retrieved.clone()),
                ..info.source_ref(record_id)
            }],
            last_verified: Some(retrieved),
            name,
            ..Listing::default()
        };
        // Set codes grouped by category; codes missing from the reference have none.
        let mut by_category: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
        for (j, header) in headers.iter().enumerate() {
            if FACILITY_COLUMNS.contains(&header.as_str()) || header.is_empty() {
                continue;
            }
            let value = row.get(j).unwrap_or_default().trim();
            match value {
                "" | "0" => continue,
                "1" => {}
                other => {
                    parsed.problems.push(Problem::new(
                        ProblemKind::Repaired,
                        &info.name,
                        record,
                        header,
                        format!("service flag {other:?} is not 1 or empty; ignored"),
                    ));
                    continue;
                }
            }
            let code = header.to_ascii_uppercase();
            let category = reference.get(&code).map(String::as_str);
            by_category.entry(category).or_default().push(code);
        }
        for (category, codes) in &by_category {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            apply_services(
                &mut listing,
                *category,
                &codes,
                &info.name,
                record,
                &mut parsed.problems,
            );
        }
        parsed.listings.push(listing);
    }
    Ok(parsed)
}
