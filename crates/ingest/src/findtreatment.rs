//! FindTreatment.gov API responses (`/locator/exportsAsJson/v2`) -> listings.
//!
//! A response is `{ "page", "totalPages", "recordCount", "rows": [...] }`; each row has the
//! facility's name, address, phones, STRING coordinates and `services`, a list of
//! `{ f1: category label, f2: category code, f3: names joined by "; " }`. Services go through
//! [`crate::services::apply_services`], category by category. [`parse_response`] is what the
//! live client calls on each fetched page; [`parse`] and [`parse_with`] read a saved response
//! from disk.
//!
//! The parser is lenient about shape where the API has varied (`typeFacility` vs
//! `type_facility`, no `frid` in the 2025 document sample, numbers where strings are usual,
//! missing page fields) and strict about what makes a response unusable: text that is not JSON,
//! or no `rows` array, is an error naming the problem.

use std::path::Path;

use iop_core::id::stable_id;
use iop_core::{Address, Listing, Phones};
use serde_json::{Map, Value};

use crate::services::{apply_services, clean, key_part, parse_location, split_names};
use crate::source::{
    Error, Parsed, Problem, ProblemKind, Result, SourceInfo, parse_saved, response_error,
};

/// Source name stamped on FindTreatment.gov listings.
pub const SOURCE_NAME: &str = "samhsa-findtreatment";
/// Prefix of FindTreatment.gov listing ids.
pub const ID_PREFIX: &str = "ft";
/// License and attribution of FindTreatment.gov data.
pub const LICENSE: &str = "Public domain (SAMHSA / CBHSQ, FindTreatment.gov)";

/// The saved responses shipped in `data/samhsa/`, with the date each was retrieved.
pub const SHIPPED: [(&str, &str); 3] = [
    ("api_response_page1_charlottesville_va_2019.json", "2019-05-30"),
    ("api_response_rows_sa_charlottesville_va_2019.json", "2019-05-23"),
    ("api_sample_response_official_doc_v1.9_2025.json", "2025-01-15"),
];

/// The [`SourceInfo`] of FindTreatment.gov data retrieved on `retrieved` (`YYYY-MM-DD`).
pub fn source_info(retrieved: &str) -> SourceInfo {
    SourceInfo::new(SOURCE_NAME, ID_PREFIX, LICENSE, retrieved)
}

/// One page of a FindTreatment.gov response.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The page number (`page`), when the response says.
    pub page: Option<u64>,
    /// How many pages the search has (`totalPages`).
    pub total_pages: Option<u64>,
    /// How many facilities the search has in all (`recordCount`).
    pub record_count: Option<u64>,
    /// The page's listings and problems.
    pub parsed: Parsed,
}

/// Parses one of the saved responses of [`SHIPPED`] (found by file name, in any folder), with
/// the date it was retrieved. Any other file needs [`parse_with`] and its own date.
pub fn parse(path: &Path) -> Result<Parsed> {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
    let Some((_, retrieved)) = SHIPPED.iter().find(|(name, _)| *name == file) else {
        return Err(Error::Format {
            path: path.to_owned(),
            message: "no retrieval date is known for this file; use findtreatment::parse_with \
                      with findtreatment::source_info(date)"
                .to_owned(),
        });
    };
    parse_with(path, &source_info(retrieved))
}

/// Parses a saved response file retrieved as `info` says.
pub fn parse_with(path: &Path, info: &SourceInfo) -> Result<Parsed> {
    Ok(parse_file(path, info)?.parsed)
}

/// Parses a saved response file, keeping the page fields.
pub fn parse_file(path: &Path, info: &SourceInfo) -> Result<Page> {
    parse_saved(path, |text| parse_response(text, info))
}

/// Parses the body of one FindTreatment.gov API response.
///
/// Errors (with a message naming what is wrong) when the text is not JSON, is not an object,
/// or has no `rows` array. A row that cannot be used is left out and reported as a problem;
/// missing optional fields are fine.
pub fn parse_response(text: &str, info: &SourceInfo) -> Result<Page> {
    let format = |message| response_error(info, message);
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format(format!("not a FindTreatment.gov response: invalid JSON: {e}")))?;
    let Value::Object(top) = value else {
        return Err(format(format!(
            "not a FindTreatment.gov response: expected a JSON object with \"rows\", found {}",
            kind_of(&value)
        )));
    };
    let rows = match top.get("rows") {
        Some(Value::Array(rows)) => rows,
        Some(other) => {
            return Err(format(format!(
                "not a FindTreatment.gov response: \"rows\" is {}, not an array",
                kind_of(other)
            )));
        }
        None => {
            let keys: Vec<&str> = top.keys().map(String::as_str).collect();
            return Err(format(format!(
                "not a FindTreatment.gov response: no \"rows\" array (keys: {})",
                if keys.is_empty() { "none".to_owned() } else { keys.join(", ") }
            )));
        }
    };
    let mut parsed = Parsed { read: rows.len(), ..Parsed::default() };
    for (i, row) in rows.iter().enumerate() {
        let record = i + 1;
        match row {
            Value::Object(row) => {
                if let Some(listing) = listing(row, record, info, &mut parsed.problems) {
                    parsed.listings.push(listing);
                }
            }
            other => parsed.problems.push(problem(
                ProblemKind::Rejected,
                info,
                record,
                "rows",
                format!("row is {}, not an object", kind_of(other)),
            )),
        }
    }
    Ok(Page {
        page: number(top.get("page")),
        total_pages: number(top.get("totalPages")),
        record_count: number(top.get("recordCount")),
        parsed,
    })
}

fn listing(
    row: &Map<String, Value>,
    record: usize,
    info: &SourceInfo,
    problems: &mut Vec<Problem>,
) -> Option<Listing> {
    let field = |k: &str| text(row.get(k));
    let Some(name) = clean(field("name1").as_deref()) else {
        problems.push(problem(
            ProblemKind::Rejected,
            info,
            record,
            "name1",
            "no facility name".to_owned(),
        ));
        return None;
    };
    let street = clean(field("street1").as_deref());
    let zip = clean(field("zip").as_deref());
    let record_id = clean(field("frid").as_deref()).unwrap_or_else(|| {
        format!(
            "{}|{}|{}",
            key_part(Some(&name)),
            key_part(street.as_deref()),
            key_part(zip.as_deref())
        )
    });
    let mut listing = Listing {
        id: stable_id(&info.id_prefix, &record_id),
        alt_name: clean(field("name2").as_deref()),
        address: Address {
            street,
            street2: clean(field("street2").as_deref()),
            city: clean(field("city").as_deref()),
            state: clean(field("state").as_deref()),
            zip,
        },
        location: parse_location(
            field("latitude").as_deref(),
            field("longitude").as_deref(),
            &info.name,
            record,
            problems,
        ),
        phones: Phones {
            main: clean(field("phone").as_deref()),
            intake: clean(field("intake1").as_deref()),
            hotline: clean(field("hotline1").as_deref()),
        },
        website: clean(field("website").as_deref()),
        sources: vec![info.source_ref(record_id)],
        last_verified: Some(info.retrieved.clone()),
        name,
        ..Listing::default()
    };
    match row.get("services") {
        None | Some(Value::Null) => {}
        Some(Value::Array(services)) => {
            for (j, service) in services.iter().enumerate() {
                let Value::Object(service) = service else {
                    problems.push(problem(
                        ProblemKind::Repaired,
                        info,
                        record,
                        "services",
                        format!("services[{j}] is {}, not an object; skipped", kind_of(service)),
                    ));
                    continue;
                };
                let category = clean(text(service.get("f2")).as_deref());
                let names = text(service.get("f3")).unwrap_or_default();
                apply_services(
                    &mut listing,
                    category.as_deref(),
                    &split_names(&names),
                    &info.name,
                    record,
                    problems,
                );
            }
        }
        Some(other) => problems.push(problem(
            ProblemKind::Repaired,
            info,
            record,
            "services",
            format!("services is {}, not an array; no services read", kind_of(other)),
        )),
    }
    Some(listing)
}

/// A string field; numbers are taken as their text (the API has sent both), null is `None`.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn problem(
    kind: ProblemKind,
    info: &SourceInfo,
    record: usize,
    field: &str,
    reason: String,
) -> Problem {
    Problem::new(kind, &info.name, record, field, reason)
}
