//! The California DHCS list of licensed and certified SUD recovery and treatment facilities.
//!
//! `ca_dhcs_sud_facilities_2026-08.csv`: 2,266 rows, one per license or certification
//! (`license_number` is unique and is the record id). Names are upper case in the source and
//! are kept as given. Data: California Department of Health Care Services, CC-BY 4.0.
//!
//! What the list says, and what we take from it (DHCS publishes no definitions of its codes, so
//! only what is certain becomes a filter value; everything else stays unknown, never "no"):
//! - `setting_code` `RES`: a licensed residential facility: level `residential` (partial: the
//!   list does not describe the other levels).
//! - `setting_code` `NON`: "nonresidential", a certified outpatient program. That covers
//!   outpatient, intensive outpatient and more, and the list does not say which, so no level is
//!   claimed (claiming `op`, ASAM 1, would be wrong for an IOP-only program). The setting is kept
//!   as a service name for text search and display. `DSS` and `DPH` (undefined) likewise.
//! - `offers_detox` true: level `detox` (partial). False says nothing about other levels.
//! - `target_population`: `MEN ONLY` -> `men`, `WOMEN ...` -> `women`, `YOUTH` / `ADOLESCENT`
//!   -> `adolescents`, `DUAL` -> `co_occurring`; `CO-ED`, `FAMILIES` and `CHILDREN` (children
//!   staying with a parent in treatment) name no population of our vocabulary. Partial, since a
//!   population the list names is served but the list is no complete description.
//! - The phone may carry an extension (`X250`); the validator normalises it to E.164.

use std::path::Path;

use csv::StringRecord;
use iop_core::{Address, Attr, Listing, id::stable_id};

use crate::csvfile::{CsvFile, field, point};
use crate::source::{Parsed, Problem, ProblemKind, Result, SourceInfo};

/// Provenance name of this source.
pub const SOURCE: &str = "ca-dhcs";

/// The identity and license of this source.
pub fn source_info() -> SourceInfo {
    SourceInfo::new(
        SOURCE,
        "dhcs",
        "CC-BY 4.0, California Department of Health Care Services",
        "2026-08-21",
    )
}

/// Parses the DHCS facility list.
pub fn parse(path: &Path) -> Result<Parsed> {
    parse_records(path).map(|(parsed, _)| parsed)
}

struct Columns {
    license: usize,
    name: usize,
    legal_entity: usize,
    street: usize,
    street2: usize,
    additional: usize,
    city: usize,
    state: usize,
    zip: usize,
    phone: usize,
    setting: usize,
    detox: usize,
    licensed: usize,
    certified: usize,
    expiration: usize,
    expired: usize,
    capacity: usize,
    population: usize,
    latitude: usize,
    longitude: usize,
}

/// Like [`parse`], also returning the record number of each listing.
pub(crate) fn parse_records(path: &Path) -> Result<(Parsed, Vec<usize>)> {
    let info = source_info();
    let mut csv = CsvFile::open(path)?;
    let col = Columns {
        license: csv.column("license_number")?,
        name: csv.column("facility_name")?,
        legal_entity: csv.column("legal_entity")?,
        street: csv.column("address_line1")?,
        street2: csv.column("address_line2")?,
        additional: csv.column("additional_locations")?,
        city: csv.column("city")?,
        state: csv.column("state")?,
        zip: csv.column("zip")?,
        phone: csv.column("phone")?,
        setting: csv.column("setting_code")?,
        detox: csv.column("offers_detox")?,
        licensed: csv.column("is_licensed")?,
        certified: csv.column("is_certified")?,
        expiration: csv.column("license_expiration")?,
        expired: csv.column("license_expired")?,
        capacity: csv.column("treatment_capacity")?,
        population: csv.column("target_population")?,
        latitude: csv.column("latitude")?,
        longitude: csv.column("longitude")?,
    };
    let mut parsed = Parsed::default();
    let mut records = Vec::new();
    let mut rec = StringRecord::new();
    while let Some(record) = csv.next_record(&mut rec)? {
        parsed.read = record;
        let mut problems = Vec::new();
        let mut problem = |kind, field: &str, reason| {
            problems.push(Problem::new(kind, SOURCE, record, field, reason));
        };
        let Some(license) = field(&rec, col.license) else {
            problem(ProblemKind::Rejected, "license_number", "license number is empty".into());
            parsed.problems.append(&mut problems);
            continue;
        };
        let Some(name) = field(&rec, col.name) else {
            problem(ProblemKind::Rejected, "facility_name", "facility name is empty".into());
            parsed.problems.append(&mut problems);
            continue;
        };

        let mut levels = Attr::Unknown;
        let mut populations = Attr::Unknown;
        let mut services = Vec::new();
        let setting = field(&rec, col.setting);
        match setting.as_deref() {
            Some("RES") => {
                levels.insert_partial("residential");
                services.push("Residential (DHCS licensed)".to_owned());
            }
            Some("NON") => services.push("Nonresidential (DHCS certified outpatient)".to_owned()),
            Some(code @ ("DSS" | "DPH")) => services.push(format!("DHCS setting {code}")),
            Some(other) => {
                problem(
                    ProblemKind::Unmapped,
                    "setting_code",
                    format!("setting code {other:?} is not one DHCS is known to use: kept as text"),
                );
                services.push(format!("DHCS setting {other}"));
            }
            None => {}
        }
        match field(&rec, col.detox).as_deref() {
            Some("true") => {
                levels.insert_partial("detox");
                services.push("Detoxification (withdrawal management)".to_owned());
            }
            Some("false") | None => {}
            Some(other) => problem(
                ProblemKind::Unmapped,
                "offers_detox",
                format!("{other:?} is neither true nor false: ignored"),
            ),
        }
        let population = field(&rec, col.population);
        if let Some(pop) = population.as_deref() {
            match map_population(pop) {
                Some(values) => {
                    for v in values {
                        populations.insert_partial(*v);
                    }
                }
                None => problem(
                    ProblemKind::Unmapped,
                    "target_population",
                    format!(
                        "target population {pop:?} is not one DHCS is known to use: kept as text"
                    ),
                ),
            }
            services.push(format!("Target population: {pop}"));
        }

        let location = point(&rec, col.latitude, col.longitude).unwrap_or_else(|reason| {
            problem(ProblemKind::Repaired, "latitude", reason);
            None
        });

        // The operator's legal name goes into the description, not `alt_name`: `alt_name` is a
        // program or "doing business as" name, and the merge compares it with other listings'
        // names; one operator's several programs in one building must not match through it.
        let legal_entity = field(&rec, col.legal_entity);
        let description = describe(&rec, &col, setting.as_deref(), legal_entity.as_deref());
        parsed.problems.append(&mut problems);
        let listing = Listing {
            id: stable_id(&info.id_prefix, &license),
            name,
            description,
            address: Address {
                street: field(&rec, col.street),
                street2: field(&rec, col.street2),
                city: field(&rec, col.city),
                state: field(&rec, col.state),
                zip: field(&rec, col.zip),
            },
            location,
            phones: iop_core::Phones { main: field(&rec, col.phone), ..Default::default() },
            levels,
            populations,
            services,
            sources: vec![info.source_ref(license)],
            last_verified: Some(info.retrieved.clone()),
            ..Listing::default()
        };
        parsed.listings.push(listing);
        records.push(record);
    }
    Ok((parsed, records))
}

/// The populations of our vocabulary a DHCS target population names; `None` for a value the
/// list is not known to use. `Some(&[])` for values that name none (`CO-ED`: everyone).
fn map_population(raw: &str) -> Option<&'static [&'static str]> {
    Some(match raw.to_ascii_uppercase().as_str() {
        "CO-ED" | "FAMILIES" | "CO-ED/CHILDREN" => &[],
        "MEN ONLY" => &["men"],
        "WOMEN ONLY" | "WOMEN/CHILDREN" => &["women"],
        "YOUTH/ADOLESCENT" | "CO-ED/YOUTH" => &["adolescents"],
        "DUAL DIAGNOSIS" | "CO-ED/CHILD/DUAL" => &["co_occurring"],
        "WOMEN/YOUTH" => &["women", "adolescents"],
        "MEN/YOUTH" => &["men", "adolescents"],
        "WOMEN/CHILD/DUAL" => &["women", "co_occurring"],
        _ => return None,
    })
}

/// A one-line description of what the license says, for people reading the listing.
fn describe(
    rec: &StringRecord,
    col: &Columns,
    setting: Option<&str>,
    legal_entity: Option<&str>,
) -> Option<String> {
    let mut parts = Vec::new();
    let licensed = field(rec, col.licensed).as_deref() == Some("true");
    let certified = field(rec, col.certified).as_deref() == Some("true");
    let what = match (licensed, certified) {
        (true, true) => "licensed and certified",
        (true, false) => "licensed",
        (false, true) => "certified",
        (false, false) => "listed",
    };
    let setting = match setting {
        Some("RES") => " residential",
        Some("NON") => " nonresidential (outpatient)",
        _ => "",
    };
    parts.push(format!("California DHCS {what}{setting} SUD treatment facility"));
    if let Some(entity) = legal_entity {
        parts.push(format!("operated by {entity}"));
    }
    if let Some(cap) = field(rec, col.capacity).filter(|c| c != "0") {
        parts.push(format!("treatment capacity {cap}"));
    }
    if let Some(more) = field(rec, col.additional) {
        parts.push(format!("also at {more}"));
    }
    if let Some(exp) = field(rec, col.expiration) {
        if field(rec, col.expired).as_deref() == Some("true") {
            parts.push(format!("license expired {exp}"));
        } else {
            parts.push(format!("license valid through {exp}"));
        }
    }
    Some(format!("{}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/dhcs/ca_dhcs_sud_facilities_2026-08.csv");
        let (parsed, records) = parse_records(&path).expect("the shipped file parses");
        assert_eq!(parsed.read, 2_266);
        assert_eq!(parsed.listings.len(), 2_266);
        assert_eq!(records, (1..=2_266).collect::<Vec<_>>());
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let by_level = |v: &str| parsed.listings.iter().filter(|l| l.levels.contains(v)).count();
        assert_eq!(by_level("residential"), 1_063);
        assert_eq!(by_level("detox"), 1_041);
        assert_eq!(by_level("op") + by_level("iop"), 0, "NON claims no outpatient level");
        let men = parsed.listings.iter().filter(|l| l.populations.contains("men")).count();
        assert_eq!(men, 117 + 3);
        let first = &parsed.listings[0];
        assert_eq!(first.name, "CHRYSALIS");
        assert_eq!(first.id, stable_id("dhcs", "010001AN"));
        assert_eq!(first.alt_name, None);
        assert!(first.description.as_deref().is_some_and(|d| d.contains("HORIZON SERVICES")));
        assert_eq!(first.populations, Attr::partial(["women"]));
        assert_eq!(first.sources[0].record_id, "010001AN");
        assert_eq!(
            first.sources[0].license.as_deref(),
            Some("CC-BY 4.0, California Department of Health Care Services")
        );
        // The unknown groups stay unknown.
        assert!(first.payments.is_unknown() && first.modalities.is_unknown());
        let nulls = parsed.listings.iter().filter(|l| l.location.is_none()).count();
        assert_eq!(nulls, 2);
    }

    #[test]
    fn populations_map_conservatively() {
        assert_eq!(map_population("MEN ONLY"), Some(&["men"][..]));
        assert_eq!(map_population("WOMEN/CHILD/DUAL"), Some(&["women", "co_occurring"][..]));
        assert_eq!(map_population("CO-ED"), Some(&[][..]));
        assert_eq!(map_population("ELDERLY"), None);
    }
}
