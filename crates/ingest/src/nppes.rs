//! NPPES NPI Registry API v2.1 responses -> listings.
//!
//! A response is `{"result_count": n, "results": [...]}`; each result is one NPI record:
//! `number`, `enumeration_type` (`NPI-1` individual, `NPI-2` organisation), `basic`
//! (`organization_name`, `status`, `last_updated`, ...), `addresses` (one `LOCATION` and one
//! `MAILING`), `taxonomies` (`{code, desc, primary, state, license}`), `other_names`. The
//! registry refuses a query with `{"Errors":[{field, number, description}]}`.
//!
//! What becomes of an organisation (NPI-2):
//! - name: `organization_name`; the registry writes names and addresses in capitals, which are
//!   put in title case (acronyms such as `LLC`, `CSB` or `VA` and words without vowels stay in
//!   capitals). `alt_name`: the first "Doing Business As" name, else the first "Other Name";
//!   never a "Former Legal Business Name", which the organisation no longer uses.
//!   (`organizational_subpart` is a `YES`/`NO` flag, not a name.)
//! - address: the `LOCATION` address (where care happens; `MAILING` is often a PO box or a
//!   head office). A 9-digit `postal_code` is cut to its ZIP. `practiceLocations` (secondary
//!   sites) are not listed.
//! - phone: the location's `telephone_number`, as given (the validator normalises it), without
//!   a leading `#` that some records carry.
//! - levels of care, conservatively, from taxonomy codes: a code alone says little about how
//!   a program is run, so only codes that name a level by definition give one, and only as
//!   [`Attr::Partial`] (the record does not describe the other levels): `261QM2800X` Methadone
//!   Clinic -> `otp`; `324500000X` / `3245S0500X` Substance Abuse Rehabilitation Facility
//!   (a residential treatment facility in NUCC's grouping) -> `residential`; `276400000X`
//!   Substance Use Disorder Rehabilitation Hospital Unit -> `hospital_inpatient`. `261QR0405X`
//!   (SUD rehabilitation clinic) could be outpatient, intensive outpatient or partial
//!   hospitalisation: no level. Medications stay unknown (a methadone clinic may also be the
//!   buprenorphine-only kind of OTP; the registry does not say).
//! - services: every taxonomy description, for text search and display.
//! - `last_verified`: the record's `last_updated`, the last day the provider confirmed it to
//!   the registry (not the day we fetched it: an address can be years old).
//! - no location: the pipeline places the listing at its ZIP centroid, flagged approximate.
//!
//! Individuals (NPI-1) are skipped, each with a [`ProblemKind::Rejected`] problem on
//! `enumeration_type`, so they are counted. Deactivated records, records without a name or a
//! location address, and non-US locations are rejected likewise.

use std::path::Path;

use iop_core::id::stable_id;
use iop_core::{Address, Attr, Listing, Phones};
use serde::Deserialize;
use serde_json::Value;

use crate::source::{
    Parsed, Problem, ProblemKind, Result, SourceInfo, is_iso_date, parse_saved, response_error,
};

/// Source name stamped on NPPES listings.
pub const SOURCE_NAME: &str = "nppes";
/// Prefix of NPPES listing ids (`npi-...`).
pub const ID_PREFIX: &str = "npi";
/// License and attribution of NPPES data.
pub const LICENSE: &str = "Public domain (CMS NPPES)";

/// Taxonomy codes that name a level of care by definition, and that level.
pub const LEVEL_BY_TAXONOMY: [(&str, &str); 4] = [
    ("261QM2800X", "otp"),
    ("324500000X", "residential"),
    ("3245S0500X", "residential"),
    ("276400000X", "hospital_inpatient"),
];

/// The [`SourceInfo`] of NPPES data retrieved on `retrieved` (`YYYY-MM-DD`).
pub fn source_info(retrieved: &str) -> SourceInfo {
    SourceInfo::new(SOURCE_NAME, ID_PREFIX, LICENSE, retrieved)
}

/// Parses a saved response file (a page written by the NPPES client).
pub fn parse_file(path: &Path, info: &SourceInfo) -> Result<Parsed> {
    parse_saved(path, |text| parse_response(text, info))
}

/// Parses one registry response into listings, one per NPI-2 organisation.
///
/// Text that is not JSON, a registry error answer, or JSON without `results` is an
/// [`Error::Format`](crate::Error::Format); an empty result is an empty [`Parsed`].
pub fn parse_response(text: &str, info: &SourceInfo) -> Result<Parsed> {
    let format = |message| response_error(info, message);
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format(format!("not an NPI Registry response: invalid JSON: {e}")))?;
    if let Some(errors) = value.get("Errors") {
        let list: Vec<String> = errors
            .as_array()
            .map(|a| a.iter().collect::<Vec<_>>())
            .unwrap_or_else(|| vec![errors])
            .into_iter()
            .map(|e| {
                let field = e.get("field").and_then(Value::as_str).unwrap_or("?");
                let description = e.get("description").and_then(Value::as_str).unwrap_or("?");
                format!("{field}: {description}")
            })
            .collect();
        return Err(format(format!("the registry refused the query: {}", list.join("; "))));
    }
    let results = match value.get("results") {
        Some(Value::Array(results)) => results,
        Some(_) => return Err(format("\"results\" is not a list".into())),
        None => return Err(format("not an NPI Registry response: no \"results\"".into())),
    };
    let mut parsed = Parsed { read: results.len(), ..Parsed::default() };
    for (i, result) in results.iter().enumerate() {
        let record = i + 1;
        let mut problem = |kind, field: &str, reason| {
            parsed.problems.push(Problem::new(kind, &info.name, record, field, reason));
        };
        let npi: Npi = match serde_json::from_value(result.clone()) {
            Ok(npi) => npi,
            Err(e) => {
                problem(ProblemKind::Rejected, "results", format!("not an NPI record: {e}"));
                continue;
            }
        };
        match to_listing(npi, info, &mut problem) {
            Some(listing) => parsed.listings.push(listing),
            None => continue,
        }
    }
    Ok(parsed)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Npi {
    number: Value,
    enumeration_type: String,
    basic: Basic,
    addresses: Vec<NpiAddress>,
    taxonomies: Vec<Taxonomy>,
    other_names: Vec<OtherName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Basic {
    organization_name: Option<String>,
    status: Option<String>,
    last_updated: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NpiAddress {
    address_purpose: String,
    country_code: Option<String>,
    address_1: Option<String>,
    address_2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    telephone_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Taxonomy {
    code: Option<String>,
    desc: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OtherName {
    organization_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
}

/// A trimmed, non-empty string.
fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn to_listing(
    npi: Npi,
    info: &SourceInfo,
    problem: &mut impl FnMut(ProblemKind, &str, String),
) -> Option<Listing> {
    let number = match &npi.number {
        Value::Number(n) => n.to_string(),
        Value::String(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => {
            problem(ProblemKind::Rejected, "number", "the record has no NPI number".into());
            return None;
        }
    };
    match npi.enumeration_type.as_str() {
        "NPI-2" => {}
        "NPI-1" => {
            problem(
                ProblemKind::Rejected,
                "enumeration_type",
                format!(
                    "NPI {number} is an individual practitioner (NPI-1), not an organisation: skipped"
                ),
            );
            return None;
        }
        other => {
            problem(
                ProblemKind::Rejected,
                "enumeration_type",
                format!("NPI {number}: unknown enumeration type {other:?}"),
            );
            return None;
        }
    }
    if let Some(status) = text(npi.basic.status).filter(|s| s != "A") {
        problem(
            ProblemKind::Rejected,
            "basic.status",
            format!("NPI {number} is not active (status {status:?})"),
        );
        return None;
    }
    let Some(raw_name) = text(npi.basic.organization_name) else {
        problem(ProblemKind::Rejected, "basic.organization_name", "the name is empty".into());
        return None;
    };
    let Some(location) = npi.addresses.into_iter().find(|a| a.address_purpose == "LOCATION") else {
        problem(
            ProblemKind::Rejected,
            "addresses",
            format!("NPI {number} has no LOCATION address (only a mailing address)"),
        );
        return None;
    };
    if let Some(country) = text(location.country_code).filter(|c| c != "US") {
        problem(
            ProblemKind::Rejected,
            "addresses.country_code",
            format!("the location is outside the US (country {country:?})"),
        );
        return None;
    }

    let name = tidy_case(&raw_name);
    let alt_name = ["3", "5"]
        .iter()
        .find_map(|code| {
            npi.other_names.iter().find(|o| {
                o.code.as_deref() == Some(code)
                    || (o.code.is_none()
                        && o.kind.as_deref().is_some_and(|k| {
                            k.eq_ignore_ascii_case(if *code == "3" {
                                "Doing Business As"
                            } else {
                                "Other Name"
                            })
                        }))
            })
        })
        .and_then(|o| text(o.organization_name.clone()))
        .map(|n| tidy_case(&n))
        .filter(|n| !n.eq_ignore_ascii_case(&name));

    // 9-digit ZIP+4 without a dash -> the ZIP. Anything else goes to the validator as given.
    let zip = text(location.postal_code).map(|z| {
        if z.len() == 9 && z.bytes().all(|b| b.is_ascii_digit()) { z[..5].to_owned() } else { z }
    });
    let phone = text(location.telephone_number).map(|p| {
        if let Some(rest) = p.strip_prefix('#') {
            // The validator reads `#` as the start of an extension, which would lose the
            // whole number.
            problem(
                ProblemKind::Repaired,
                "addresses.telephone_number",
                format!("leading '#' removed from {p:?}"),
            );
            rest.trim().to_owned()
        } else {
            p
        }
    });

    let mut levels = Attr::Unknown;
    let mut services: Vec<String> = Vec::new();
    for t in &npi.taxonomies {
        let code = t.code.as_deref().map(str::trim).unwrap_or_default();
        if let Some((_, level)) =
            LEVEL_BY_TAXONOMY.iter().find(|(c, _)| c.eq_ignore_ascii_case(code))
        {
            levels.insert_partial(*level);
        }
        if let Some(desc) = text(t.desc.clone()).filter(|d| !services.contains(d)) {
            services.push(desc);
        }
    }

    let last_verified = text(npi.basic.last_updated)
        .filter(|d| is_iso_date(d))
        .unwrap_or_else(|| info.retrieved.clone());
    Some(Listing {
        id: stable_id(&info.id_prefix, &number),
        name,
        alt_name,
        address: Address {
            street: text(location.address_1).map(|s| tidy_case(&s)),
            street2: text(location.address_2).map(|s| tidy_case(&s)),
            city: text(location.city).map(|s| tidy_case(&s)),
            state: text(location.state),
            zip,
        },
        location: None,
        phones: Phones { main: phone, intake: None, hotline: None },
        levels,
        services,
        sources: vec![info.source_ref(number)],
        last_verified: Some(last_verified),
        ..Listing::default()
    })
}

/// Words kept in capitals: legal forms, credentials, directions, common acronyms of the field.
const KEEP_UPPER: &[&str] = &[
    "AA", "ADHD", "AIDS", "ASAM", "CBT", "DBA", "DBT", "DDS", "DO", "HIV", "II", "III", "IOP",
    "IV", "LCSW", "LLC", "LLP", "LP", "LPC", "MAT", "MD", "MH", "NA", "NE", "NP", "NW", "OTP",
    "PA", "PC", "PHD", "PHP", "PLLC", "PO", "SE", "SUD", "SW", "US", "USA", "VA", "VI", "VII",
    "VIII", "XI", "XII",
];

/// Abbreviations without vowels that are words, not acronyms (mostly street types): `Rd`.
const TITLE_ABBREVIATIONS: &[&str] = &[
    "BLDG", "BLVD", "CT", "DR", "FL", "FT", "FWY", "HWY", "JR", "LN", "MT", "PKWY", "PL", "RD",
    "RM", "SQ", "SR", "ST", "STS",
];

/// Small words written in lower case inside a name.
const KEEP_LOWER: &[&str] =
    &["a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to"];

/// Title case for text the registry wrote in capitals; text with any lower-case letter is
/// returned as given (someone chose its case).
pub fn tidy_case(s: &str) -> String {
    if s.chars().any(char::is_lowercase) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&tidy_word(word, i == 0));
    }
    out
}

fn tidy_word(word: &str, first: bool) -> String {
    // The letters of the word without punctuation around it (`P.C.,` -> `PC`).
    let core: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    if core.is_empty() {
        return word.to_owned();
    }
    let has_vowel = core.chars().any(|c| matches!(c, 'A' | 'E' | 'I' | 'O' | 'U' | 'Y'));
    // Initials with dots (`P.C.`, `M.D.`): every dotted part is one letter at most.
    let initials = word.contains('.')
        && word.split('.').all(|part| part.chars().filter(|c| c.is_alphanumeric()).count() <= 1);
    if KEEP_UPPER.contains(&core.as_str())
        || (core.chars().all(|c| c.is_ascii_alphabetic())
            && !has_vowel
            && !TITLE_ABBREVIATIONS.contains(&core.as_str()))
        || initials
    {
        // Acronyms (`CSB`, `LLC`), initials (`N`, `D`), abbreviations with dots (`P.C.`).
        return word.to_owned();
    }
    let lower = word.to_lowercase();
    if !first && KEEP_LOWER.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric())) {
        return lower;
    }
    // Capitalise the first letter of each hyphenated part, and the letter after an apostrophe
    // only when one letter precedes it (`O'BRIEN` -> `O'Brien`, `CHILDREN'S` -> `Children's`);
    // a part starting with a digit stays lower (`1ST` -> `1st`).
    lower
        .split('-')
        .map(|part| {
            let mut chars: Vec<char> = part.chars().collect();
            if let Some(first) = chars.first_mut()
                && first.is_alphabetic()
            {
                *first = first.to_uppercase().next().unwrap_or(*first);
            }
            if chars.len() > 2 && chars[1] == '\'' && chars[0].is_alphabetic() {
                chars[2] = chars[2].to_uppercase().next().unwrap_or(chars[2]);
            }
            chars.into_iter().collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_become_title_case_but_acronyms_stay() {
        assert_eq!(tidy_case("QUARELLS CONSULTING, P.C."), "Quarells Consulting, P.C.");
        assert_eq!(
            tidy_case("DENTISTRY FOR CHILDREN OF MARYLAND, LLC"),
            "Dentistry for Children of Maryland, LLC"
        );
        assert_eq!(tidy_case("403 PERMIAN WAY STE D"), "403 Permian Way Ste D");
        assert_eq!(tidy_case("1200 N GLENN ENGLISH"), "1200 N Glenn English");
        assert_eq!(tidy_case("REGION TEN CSB"), "Region Ten CSB");
        assert_eq!(tidy_case("O'BRIEN CHILDREN'S CENTER"), "O'Brien Children's Center");
        assert_eq!(tidy_case("WINSTON-SALEM 1ST STREET"), "Winston-Salem 1st Street");
        assert_eq!(tidy_case("THE VA CLINIC"), "The VA Clinic");
        assert_eq!(tidy_case("100 MAIN ST. SUITE 2"), "100 Main St. Suite 2");
        assert_eq!(tidy_case("JOHN SMITH M.D."), "John Smith M.D.");
        assert_eq!(tidy_case("1014 E MARKET ST BLDG 2"), "1014 E Market St Bldg 2");
        assert_eq!(tidy_case("Region Ten, a CSB"), "Region Ten, a CSB", "mixed case is kept");
    }
}
