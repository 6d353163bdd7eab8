//! The national SAMHSA substance-use treatment facility list, 2021 (OEPS copy).
//!
//! `samhsa_sud_facilities_national_2021.csv`: 14,034 rows of `name1, name2, street1, street2,
//! city, state, zip, zip4, county, latitude, longitude`, taken from the SAMHSA treatment
//! locator. It carries no services, phones or web sites, so every attribute group stays
//! [`Attr::Unknown`](iop_core::Attr::Unknown): the list says a facility treats substance use,
//! not at which level of care. Its value is the location layer: every facility, geocoded.
//!
//! Two repairs happen here rather than in the validator, because both need the whole file:
//! - ZIP codes that lost their leading zeros upstream (read as numbers: `6708` for `06708`) are
//!   padded back to five digits. This is a certain repair: only 3- and 4-digit codes occur,
//!   all in states whose ZIPs start with 0 (New England, NJ, PR).
//! - Rows that repeat a (name1, street1, city, zip) are one site listed once per program; they
//!   are folded into one listing whose `alt_name` joins the program names (`name2`). That is
//!   253 rows as published, and 12 more that differ only by trailing spaces (265 in all).

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;
use iop_core::{Address, Listing, id::stable_id};

use crate::csvfile::{CsvFile, field, point};
use crate::source::{Parsed, Problem, ProblemKind, Result, SourceInfo};

/// Provenance name of this source.
pub const SOURCE: &str = "samhsa-locator-2021";

/// The identity and license of this source.
pub fn source_info() -> SourceInfo {
    SourceInfo::new(
        SOURCE,
        "samhsa",
        "Public domain (SAMHSA, US federal government work); \
         list via OEPS, doi:10.5281/zenodo.5842465",
        "2021-07-28",
    )
}

/// Parses the national list. See the module docs for the repairs it makes.
pub fn parse(path: &Path) -> Result<Parsed> {
    parse_records(path).map(|(parsed, _)| parsed)
}

/// Like [`parse`], also returning the record number each listing came from (for the
/// validator's problem reports); a folded listing has the number of its first row.
pub(crate) fn parse_records(path: &Path) -> Result<(Parsed, Vec<usize>)> {
    let info = source_info();
    let mut csv = CsvFile::open(path)?;
    let col = Columns {
        name1: csv.column("name1")?,
        name2: csv.column("name2")?,
        street1: csv.column("street1")?,
        street2: csv.column("street2")?,
        city: csv.column("city")?,
        state: csv.column("state")?,
        zip: csv.column("zip")?,
        latitude: csv.column("latitude")?,
        longitude: csv.column("longitude")?,
    };
    let mut parsed = Parsed::default();
    let mut records = Vec::new();
    // Fold key -> index in `parsed.listings`.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rec = StringRecord::new();
    while let Some(record) = csv.next_record(&mut rec)? {
        parsed.read = record;
        let problem = |kind, field: &str, reason| Problem::new(kind, SOURCE, record, field, reason);
        let Some(name) = field(&rec, col.name1) else {
            parsed.problems.push(problem(
                ProblemKind::Rejected,
                "name1",
                "facility name is empty".into(),
            ));
            continue;
        };
        let raw_zip = field(&rec, col.zip);
        let zip = match raw_zip.as_deref().and_then(pad_lost_zeros) {
            Some(padded) => {
                parsed.problems.push(problem(
                    ProblemKind::Repaired,
                    "zip",
                    format!(
                        "ZIP {:?} lost its leading zeros upstream (stored as a number): \
                         padded to {padded:?}",
                        raw_zip.as_deref().unwrap_or_default()
                    ),
                ));
                Some(padded)
            }
            None => raw_zip,
        };
        let street = field(&rec, col.street1);
        let city = field(&rec, col.city);
        let state = field(&rec, col.state);
        let name2 = field(&rec, col.name2);
        let key = [
            name.as_str(),
            street.as_deref().unwrap_or_default(),
            city.as_deref().unwrap_or_default(),
            zip.as_deref().unwrap_or_default(),
        ]
        .join("|");
        if let Some(&first) = seen.get(&key) {
            let listing = &mut parsed.listings[first];
            let added = match (&name2, &mut listing.alt_name) {
                (Some(n2), Some(alt)) if !alt.split("; ").any(|a| a == n2) => {
                    alt.push_str("; ");
                    alt.push_str(n2);
                    true
                }
                (Some(n2), alt @ None) => {
                    *alt = Some(n2.clone());
                    true
                }
                _ => false,
            };
            let reason = format!(
                "same name, street, city and ZIP as record {}: folded into it{}",
                records[first],
                if added {
                    format!(" (program name {:?} added)", name2.as_deref().unwrap_or_default())
                } else {
                    String::new()
                }
            );
            parsed.problems.push(problem(ProblemKind::Repaired, "name1", reason));
            continue;
        }
        let location = point(&rec, col.latitude, col.longitude).unwrap_or_else(|reason| {
            parsed.problems.push(problem(ProblemKind::Repaired, "latitude", reason));
            None
        });
        let id = stable_id(
            &info.id_prefix,
            &[key.as_str(), state.as_deref().unwrap_or_default()].join("|"),
        );
        let listing = Listing {
            // The list has no record ids of its own: the row number within the file is the only
            // handle that finds the record again.
            sources: vec![info.source_ref(format!("row {record}"))],
            last_verified: Some(info.retrieved.clone()),
            id,
            name,
            alt_name: name2,
            address: Address { street, street2: field(&rec, col.street2), city, state, zip },
            location,
            ..Listing::default()
        };
        seen.insert(key, parsed.listings.len());
        parsed.listings.push(listing);
        records.push(record);
    }
    Ok((parsed, records))
}

struct Columns {
    name1: usize,
    name2: usize,
    street1: usize,
    street2: usize,
    city: usize,
    state: usize,
    zip: usize,
    latitude: usize,
    longitude: usize,
}

/// `Some(padded)` for a ZIP of 3 or 4 digits, which can only be a five-digit ZIP whose leading
/// zeros were lost when a spreadsheet read it as a number.
pub(crate) fn pad_lost_zeros(zip: &str) -> Option<String> {
    let zip = zip.trim();
    (matches!(zip.len(), 3 | 4) && zip.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{zip:0>5}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/samhsa/samhsa_sud_facilities_national_2021.csv")
    }

    #[test]
    fn real_file_counts_padding_and_folding() {
        let (parsed, records) = parse_records(&shipped()).expect("the shipped file parses");
        assert_eq!(parsed.read, 14_034);
        // 253 rows repeat a (name1, street1, city, zip) exactly, 12 more once trailing spaces
        // are trimmed ("Project Renewal " and "Project Renewal"): all fold into the first row.
        assert_eq!(parsed.listings.len(), 14_034 - 265);
        assert_eq!(records.len(), parsed.listings.len());
        let count = |field: &str, pat: &str| {
            parsed
                .problems
                .iter()
                .filter(|p| {
                    p.kind == ProblemKind::Repaired && p.field == field && p.reason.contains(pat)
                })
                .count()
        };
        assert_eq!(count("zip", "padded"), 1_382, "1,300 four-digit + 82 three-digit ZIPs");
        assert_eq!(count("name1", "folded"), 265);
        assert!(parsed.problems.iter().all(|p| p.kind != ProblemKind::Rejected));
        assert!(
            parsed.listings.iter().all(|l| l.address.zip.as_ref().is_some_and(|z| z.len() == 5))
        );

        // A CT ZIP gets its zero back; a PR ZIP gets two.
        let ct = parsed.listings.iter().filter(|l| l.address.state.as_deref() == Some("CT"));
        assert!(ct.clone().count() > 100);
        assert!(
            ct.into_iter().all(|l| l.address.zip.as_deref().is_some_and(|z| z.starts_with('0')))
        );
        assert!(
            parsed.listings.iter().filter(|l| l.address.state.as_deref() == Some("PR")).all(|l| l
                .address
                .zip
                .as_deref()
                .is_some_and(|z| z.starts_with("00")))
        );

        // Two programs at one Tuscaloosa site fold into one listing naming both programs.
        let tusc: Vec<_> = parsed
            .listings
            .iter()
            .filter(|l| {
                l.name == "Indian Rivers Mental Health Center"
                    && l.address.street.as_deref() == Some("2209 9th Street")
            })
            .collect();
        assert_eq!(tusc.len(), 1);
        assert_eq!(tusc[0].alt_name.as_deref(), Some("Substance Abuse Services; A Womans Place"));
        // No services in this list: every group is unknown, never "no".
        assert_eq!(tusc[0].unknown_groups().len(), iop_core::Group::ALL.len());

        // Ids are unique and stable.
        let ids: std::collections::HashSet<_> = parsed.listings.iter().map(|l| &l.id).collect();
        assert_eq!(ids.len(), parsed.listings.len());
        let again = parse(&shipped()).expect("parses twice");
        assert_eq!(again.listings[17].id, parsed.listings[17].id);
    }

    #[test]
    fn pads_only_short_all_digit_zips() {
        assert_eq!(pad_lost_zeros("6708").as_deref(), Some("06708"));
        assert_eq!(pad_lost_zeros("612").as_deref(), Some("00612"));
        assert_eq!(pad_lost_zeros("22902"), None);
        assert_eq!(pad_lost_zeros("12"), None);
        assert_eq!(pad_lost_zeros("6a08"), None);
    }
}
