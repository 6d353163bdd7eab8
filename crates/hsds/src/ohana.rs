//! The Ohana API San Mateo County export (2013-14): MongoDB extended-JSON lines.
//!
//! [`parse_dir`] reads `locations.ndjson.gz`, `services.ndjson.gz` and
//! `organizations.ndjson.gz` and keeps the substance-use and mental-health locations, chosen by
//! their services' keywords as `shared/data/SOURCES.md` describes (SUD: alcohol, drug abuse /
//! addiction / treatment / dependency, substance, addict, detox, methadone, recover; mental
//! health: mental, psychiat, psychotherap, suicide, behavioral, emotional disab; "crisis" alone
//! is not enough, it also catches domestic-violence hotlines). Every other location (a library,
//! a park) is counted in [`HsdsParsed::left_out`].
//!
//! Hours are Ohana's free text without am/pm (`"Monday-Thursday, 9-9; Friday, 9-2"`), read by
//! [`crate::hours::parse_hours`] with the business-hours convention. Levels, modalities and
//! populations come from a few unambiguous keywords, as [`Attr::Partial`].
//!
//! This export is old (2013-14) and its license is not stated; it is not shipped in `data/`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use iop_core::vocabulary::Group;
use iop_core::{Address, Attr, Listing, Location, Phones, Schedule, SourceRef};
use serde_json::Value;

use crate::hours::{Coverage, HoursOptions, parse_hours};
use crate::miami::{website, zip5};
use crate::{Error, HsdsParsed, HsdsProblemKind, Result, read_text, text};

/// Source name stamped on listings and problems.
pub const SOURCE: &str = "ohana-smc";
/// Prefix of the stable ids this source mints.
pub const ID_PREFIX: &str = "ohana";
/// When the export was committed.
pub const RETRIEVED: &str = "2014-05-25";
/// License and attribution.
pub const LICENSE: &str = "License not stated (Ohana API code BSD-3-Clause). Attribution: \
     San Mateo County / Code for America Ohana API";

const SUD_WORDS: [&str; 10] = [
    "alcohol",
    "drug abuse",
    "drug addiction",
    "drug treatment",
    "drug dependency",
    "substance",
    "addict",
    "detox",
    "methadone",
    "recover",
];
const MH_WORDS: [&str; 6] =
    ["mental", "psychiat", "psychotherap", "suicide", "behavioral", "emotional disab"];

/// Whether a keyword marks substance-use care.
pub fn is_sud_keyword(k: &str) -> bool {
    let k = k.to_lowercase();
    SUD_WORDS.iter().any(|w| k.contains(w))
}

/// Whether a keyword marks mental-health care.
pub fn is_mh_keyword(k: &str) -> bool {
    let k = k.to_lowercase();
    MH_WORDS.iter().any(|w| k.contains(w))
}

/// Keywords (lower case, exact) and the filter values they imply.
const KEYWORDS: &[(&str, Group, &str)] = &[
    ("residential drug abuse treatment facilities", Group::Level, "residential"),
    ("residential alcoholism treatment facilities", Group::Level, "residential"),
    ("comprehensive outpatient alcoholism treatment", Group::Level, "op"),
    ("comprehensive outpatient drug abuse treatment", Group::Level, "op"),
    ("comprehensive outpatient substance abuse treatment", Group::Level, "op"),
    ("substance abuse day treatment", Group::Level, "php"),
    ("inpatient substance abuse treatment facilities", Group::Level, "hospital_inpatient"),
    ("detoxification", Group::Level, "detox"),
    ("methadone maintenance", Group::Medication, "methadone"),
    ("group counseling", Group::Modality, "group"),
    ("individual counseling", Group::Modality, "individual"),
    ("family counseling", Group::Modality, "family"),
    ("cognitive behavioral therapy", Group::Modality, "cbt"),
    ("case management", Group::Modality, "case_management"),
    ("women", Group::Population, "women"),
    ("men", Group::Population, "men"),
    ("veterans", Group::Population, "veterans"),
    ("adolescents", Group::Population, "adolescents"),
    ("older adults", Group::Population, "seniors"),
    ("diversion programs", Group::Population, "criminal_justice"),
    ("drug diversion", Group::Population, "criminal_justice"),
    ("re-entry/ex-offender", Group::Population, "criminal_justice"),
    ("first offender dui programs", Group::Population, "criminal_justice"),
    ("dual diagnosis", Group::Population, "co_occurring"),
];

fn read_lines(path: &Path) -> Result<Vec<(u64, Value)>> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| Error::Line {
            path: path.to_owned(),
            line: i as u64 + 1,
            message: format!("not JSON: {e}"),
        })?;
        if !v.is_object() {
            return Err(Error::Line {
                path: path.to_owned(),
                line: i as u64 + 1,
                message: "not a JSON object".into(),
            });
        }
        out.push((i as u64 + 1, v));
    }
    Ok(out)
}

/// An id that Mongo exported as a number or a string.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// Reads the export in `dir`. `today` (`YYYY-MM-DD`) decides which sessions are current.
pub fn parse_dir(dir: &Path, today: &str) -> Result<HsdsParsed> {
    let locations_path = dir.join("locations.ndjson.gz");
    let locations = read_lines(&locations_path)?;
    let services = read_lines(&dir.join("services.ndjson.gz"))?;
    let orgs = read_lines(&dir.join("organizations.ndjson.gz"))?;
    let org_name: HashMap<String, String> = orgs
        .iter()
        .filter_map(|(_, o)| Some((id_of(&o["id"])?, o["name"].as_str()?.trim().to_owned())))
        .collect();
    let mut keywords: HashMap<String, Vec<String>> = HashMap::new();
    for (_, s) in &services {
        if let Some(loc) = id_of(&s["location_id"]) {
            keywords.entry(loc).or_default().extend(strings(&s["keywords"]));
        }
    }
    let mut out = HsdsParsed::default();
    for (record, (line, loc)) in locations.iter().enumerate() {
        let record = record + 1;
        out.read += 1;
        let Some(id) = id_of(&loc["id"]) else {
            let reason = format!("line {line}: no id");
            out.problem(HsdsProblemKind::Rejected, SOURCE, record, "id", reason);
            continue;
        };
        let kws = keywords.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        if !kws.iter().any(|k| is_sud_keyword(k) || is_mh_keyword(k)) {
            out.left_out += 1;
            continue;
        }
        let Some(name) = loc["name"].as_str().and_then(text::clean) else {
            out.problem(HsdsProblemKind::Rejected, SOURCE, record, "name", "no name");
            continue;
        };
        let org = id_of(&loc["organization_id"]).and_then(|o| org_name.get(&o).cloned());
        let description = loc["description"]
            .as_str()
            .and_then(text::clean)
            .or_else(|| loc["short_desc"].as_str().and_then(text::clean));
        let mut listing = Listing {
            id: iop_core::id::stable_id(ID_PREFIX, &id),
            alt_name: org.filter(|o| !o.eq_ignore_ascii_case(&name)),
            name,
            description,
            website: strings(&loc["urls"]).iter().find_map(|u| website(u)),
            sources: vec![SourceRef {
                name: SOURCE.to_owned(),
                record_id: id.clone(),
                retrieved: Some(RETRIEVED.to_owned()),
                license: Some(LICENSE.to_owned()),
            }],
            last_verified: mongo_date(&loc["updated_at"]),
            ..Listing::default()
        };
        listing.address = address(&loc["address_attributes"], &mut out, record);
        listing.location = coordinates(&loc["coordinates"], &mut out, record);
        listing.phones = phones(&loc["phones_attributes"], &mut out, record);
        let langs: BTreeSet<String> =
            strings(&loc["languages"]).iter().flat_map(|l| crate::languages::codes_in(l)).collect();
        listing.languages = Attr::partial(langs);
        for k in kws {
            let lower = k.to_lowercase();
            for (kw, group, value) in KEYWORDS {
                if lower == *kw
                    && let Some(attr) = listing.attr_mut(*group)
                {
                    attr.insert_partial(*value);
                }
            }
            if !listing.services.contains(k) {
                listing.services.push(k.clone());
            }
        }
        if let Some(hours) = loc["hours"].as_str().filter(|h| !h.trim().is_empty()) {
            listing.schedule = schedule(hours, today, &mut out, record);
        }
        let texts = [listing.name.clone(), listing.description.clone().unwrap_or_default()];
        if texts.iter().any(|t| t.to_lowercase().contains("intensive outpatient")) {
            listing.levels.insert_partial("iop");
        }
        out.listings.push(listing);
        out.records.push(record);
    }
    Ok(out)
}

fn schedule(hours: &str, today: &str, out: &mut HsdsParsed, record: usize) -> Schedule {
    let p = parse_hours(hours, HoursOptions::default());
    let mut schedule = Schedule { sessions: p.sessions.clone(), ..Schedule::default() };
    if p.coverage() != Coverage::Full || p.by_appointment {
        schedule.hours_text = text::clean(&p.text);
    }
    if p.coverage() != Coverage::Full {
        let reason = format!("hours parts not structured, kept as text: {:?}", p.unparsed);
        out.problem(HsdsProblemKind::Unmapped, SOURCE, record, "hours", reason);
    }
    schedule.derive_facets(today);
    schedule
}

fn address(a: &Value, out: &mut HsdsParsed, record: usize) -> Address {
    let s = |k: &str| a[k].as_str().and_then(text::non_empty);
    let state = s("state").map(|st| st.to_ascii_uppercase()).filter(|st| st.len() == 2);
    let zip = s("zip").and_then(|z| zip5(&z, out, record, SOURCE, "address_attributes.zip"));
    Address { street: s("street"), street2: None, city: s("city"), state, zip }
}

/// `coordinates` is `[longitude, latitude]` (GeoJSON order).
fn coordinates(c: &Value, out: &mut HsdsParsed, record: usize) -> Option<Location> {
    let arr = c.as_array()?;
    let (lon, lat) = (arr.first()?.as_f64(), arr.get(1)?.as_f64());
    match (lat, lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some(Location { lat, lon, approximate: false })
        }
        _ => {
            let reason = format!("coordinates {c} are not [lon, lat]; dropped");
            out.problem(HsdsProblemKind::Repaired, SOURCE, record, "coordinates", reason);
            None
        }
    }
}

fn phones(list: &Value, out: &mut HsdsParsed, record: usize) -> Phones {
    let mut p = Phones::default();
    for ph in list.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let Some(number) = ph["number"].as_str() else { continue };
        match iop_core::phone::normalize(number) {
            Ok(e164) => {
                let dept = ph["department"].as_str().unwrap_or("").to_lowercase();
                if dept.contains("hotline") || dept.contains("crisis") {
                    p.hotline.get_or_insert(e164);
                } else if dept.contains("intake") {
                    p.intake.get_or_insert(e164);
                } else {
                    p.main.get_or_insert(e164);
                }
            }
            Err(e) => {
                let reason = format!("{e}; dropped");
                out.problem(HsdsProblemKind::Repaired, SOURCE, record, "phones_attributes", reason);
            }
        }
    }
    p
}

/// `{"$date": 1383857236324}` (milliseconds since 1970) as `YYYY-MM-DD`.
fn mongo_date(v: &Value) -> Option<String> {
    let ms = v["$date"].as_i64()?;
    let days = ms.div_euclid(86_400_000);
    Some(iop_core::date::iso_date(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iop_core::date::iso_date(0), "1970-01-01");
        assert_eq!(
            mongo_date(&serde_json::json!({"$date": 1383857236324_i64})).unwrap(),
            "2013-11-07"
        );
        assert_eq!(iop_core::date::iso_date(11_016), "2000-02-29");
    }

    #[test]
    fn keywords() {
        assert!(is_sud_keyword("ALCOHOLISM SERVICES"));
        assert!(is_sud_keyword("Drug Dependency Support Groups"));
        assert!(is_mh_keyword("Cognitive Behavioral Therapy"));
        assert!(!is_mh_keyword("Crisis Intervention/Hotlines"));
    }
}
