//! The SAMHSA Opioid Treatment Program directory, 2021 (geocoded OEPS copy).
//!
//! `samhsa_otp_directory_geocoded_2021.csv`: 1,831 rows of `ID` (the program's name, despite
//! the header), `ADDRESS`, `CITY`, `STATE`, `POSTAL` (5 digits, or 9 with a dash; some lost
//! their leading zeros), `Latitude`, `Longitude`.
//!
//! Every entry is a federally certified opioid treatment program, so the level of care `otp`
//! holds for all of them; the directory says nothing about other levels, so levels are
//! [`Attr::Partial`]. Medications stay unknown on purpose: an OTP
//! dispenses methadone and/or buprenorphine (and may offer naltrexone), but an OTP may be
//! buprenorphine-only, so neither medication is certain for a given program and the directory
//! does not say which. Claiming `methadone` would send someone to a clinic that may not have it.
//!
//! ZIPs are left raw: the validator pads lost zeros and cuts ZIP+4, reporting both.
//! Exact duplicate rows (same name, address, city, state and postal code) are folded.

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;
use iop_core::{Address, Attr, Listing, id::stable_id};

use crate::csvfile::{CsvFile, field, point};
use crate::source::{Parsed, Problem, ProblemKind, Result, SourceInfo};

/// Provenance name of this source.
pub const SOURCE: &str = "samhsa-otp-2021";

/// The identity and license of this source.
pub fn source_info() -> SourceInfo {
    SourceInfo::new(
        SOURCE,
        "otp",
        "Public domain (SAMHSA, US federal government work); \
         directory via OEPS, doi:10.5281/zenodo.5842465",
        "2021-07-28",
    )
}

/// Parses the OTP directory.
pub fn parse(path: &Path) -> Result<Parsed> {
    parse_records(path).map(|(parsed, _)| parsed)
}

/// Like [`parse`], also returning the record number of each listing.
pub(crate) fn parse_records(path: &Path) -> Result<(Parsed, Vec<usize>)> {
    let info = source_info();
    let mut csv = CsvFile::open(path)?;
    let (c_name, c_street, c_city, c_state, c_zip, c_lat, c_lon) = (
        csv.column("ID")?,
        csv.column("ADDRESS")?,
        csv.column("CITY")?,
        csv.column("STATE")?,
        csv.column("POSTAL")?,
        csv.column("Latitude")?,
        csv.column("Longitude")?,
    );
    let mut parsed = Parsed::default();
    let mut records = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rec = StringRecord::new();
    while let Some(record) = csv.next_record(&mut rec)? {
        parsed.read = record;
        let problem = |kind, field: &str, reason| Problem::new(kind, SOURCE, record, field, reason);
        let Some(name) = field(&rec, c_name) else {
            parsed.problems.push(problem(
                ProblemKind::Rejected,
                "ID",
                "program name is empty".into(),
            ));
            continue;
        };
        let street = field(&rec, c_street);
        let city = field(&rec, c_city);
        let state = field(&rec, c_state);
        let zip = field(&rec, c_zip);
        let key = [&Some(name.clone()), &street, &city, &state, &zip]
            .iter()
            .map(|s| s.as_deref().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("|");
        if let Some(&first) = seen.get(&key) {
            parsed.problems.push(problem(
                ProblemKind::Repaired,
                "ID",
                format!("exact duplicate of record {}: folded into it", records[first]),
            ));
            continue;
        }
        let location = point(&rec, c_lat, c_lon).unwrap_or_else(|reason| {
            parsed.problems.push(problem(ProblemKind::Repaired, "Latitude", reason));
            None
        });
        let listing = Listing {
            id: stable_id(&info.id_prefix, &key),
            name,
            address: Address { street, street2: None, city, state, zip },
            location,
            levels: Attr::partial(["otp"]),
            services: vec!["Opioid treatment program (OTP)".into()],
            // No record ids in the directory: the row number finds the record again.
            sources: vec![info.source_ref(format!("row {record}"))],
            last_verified: Some(info.retrieved.clone()),
            ..Listing::default()
        };
        seen.insert(key, parsed.listings.len());
        parsed.listings.push(listing);
        records.push(record);
    }
    Ok((parsed, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/samhsa/samhsa_otp_directory_geocoded_2021.csv");
        let (parsed, records) = parse_records(&path).expect("the shipped file parses");
        assert_eq!(parsed.read, 1_831);
        // One exact duplicate row (START Treatment & Recovery Centers, West 124th St., NYC).
        assert_eq!(parsed.listings.len(), 1_830);
        assert_eq!(records.len(), 1_830);
        let dup: Vec<_> =
            parsed.problems.iter().filter(|p| p.reason.contains("duplicate")).collect();
        assert_eq!(dup.len(), 1);
        assert!(parsed.listings.iter().all(|l| l.levels == Attr::partial(["otp"])));
        assert!(parsed.listings.iter().all(|l| l.medications.is_unknown()));
        let wasilla = &parsed.listings[0];
        assert_eq!(wasilla.name, "Community Medical Services - Wasilla");
        // ZIP+4 is left raw here; the validator cuts it.
        assert_eq!(wasilla.address.zip.as_deref(), Some("99654-8525"));
        assert!(parsed.listings.iter().all(|l| l.location.is_some()));
        assert!(parsed.listings.iter().any(|l| l.name.contains('í')), "UTF-8 name from PR");
    }
}
