//! SAMHSA service lists -> listing attributes, shared by every SAMHSA-shaped parser.
//!
//! A FindTreatment.gov record lists its services by category (`f2`, e.g. `SET`, `PAY`), each
//! with the service names (`f3`); the 2018 locator export has one column per service code. Both
//! go through [`apply_services`]: every name or code is looked up in
//! `data/vocabulary/samhsa.csv` (through [`SamhsaVocabulary`]) and its targets are added to the
//! listing. Whether a group becomes *known* (complete) or only *partial* depends on the
//! category: `data/vocabulary/samhsa_categories.csv` names the groups a category describes
//! completely (a record lists all its settings under `SET`, so the level of care is known when
//! `SET` is present; it does not list all populations anywhere, so populations stay partial).
//!
//! Sources that dropped the category codes (the 2025 California file) go through
//! [`apply_uncategorised`], which recovers a name's category from the `category` column of
//! `samhsa.csv`: the `f2` under which that exact wording was seen in real categorised records.

use std::collections::HashMap;
use std::sync::OnceLock;

use iop_core::vocabulary::{SamhsaEntry, normalize_name};
use iop_core::{Group, Listing, Location, SamhsaVocabulary};

use crate::source::{Problem, ProblemKind};

/// The languages categories (`SL`, `OL`, `AIL`) list services in languages *other than
/// English*: a record that has them describes its languages completely, English included.
const IMPLIED_LANGUAGE: &str = "en";

/// Adds the services of one category of one record to `listing`.
///
/// `category` is the SAMHSA category code (`f2`) the names were listed under, or `None` when
/// the source does not say. `names` are service names (`"Intensive outpatient treatment"`) or
/// service codes (`"OIT"`, as in the 2018 locator export); codes are recognised by their shape.
/// Groups the category describes completely are marked known (even if no name maps onto
/// them); other targets are added as partial. Every name is kept in `listing.services`, and a
/// name the table does not know is reported as a [`ProblemKind::Unmapped`] problem, never
/// dropped.
pub fn apply_services(
    listing: &mut Listing,
    category: Option<&str>,
    names: &[&str],
    source: &str,
    record: usize,
    problems: &mut Vec<Problem>,
) {
    let vocab = SamhsaVocabulary::get();
    let names: Vec<&str> = names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        // A category with no services says nothing, not "none".
        return;
    }
    let complete = category.map(|c| vocab.category_groups(c)).unwrap_or_default();
    for &group in complete {
        if let Some(attr) = listing.attr_mut(group) {
            attr.mark_known();
            if group == Group::Language {
                attr.insert(IMPLIED_LANGUAGE);
            }
        }
    }
    for name in names {
        let Some(entry) = lookup(vocab, name) else {
            push_raw(listing, name);
            let field = match category {
                Some(c) => format!("services[{c}]"),
                None => "services".to_owned(),
            };
            problems.push(Problem {
                kind: ProblemKind::Unmapped,
                source: source.to_owned(),
                record,
                field,
                reason: format!(
                    "service {name:?} is not in data/vocabulary/samhsa.csv; kept as raw text only"
                ),
            });
            continue;
        };
        // A code is shown as SAMHSA's own wording; a name is kept exactly as the source wrote it.
        let raw = if looks_like_code(name) { entry.name.as_str() } else { name };
        push_raw(listing, raw);
        for (group, value) in &entry.targets {
            match listing.attr_mut(*group) {
                Some(attr) if complete.contains(group) => attr.insert(value.clone()),
                Some(attr) => attr.insert_partial(value.clone()),
                None => listing.schedule.set_facet(value),
            }
        }
    }
}

/// Adds service names whose categories the source dropped (names joined in one string).
///
/// Each name's category is the one `samhsa.csv` records for that exact wording in real
/// categorised FindTreatment.gov records (or the 2018 official key). When such a name is
/// present, its category was present on the original record, and since the source kept every
/// name of every category, the groups that category describes are complete. Names whose
/// category was never seen only add partial values.
pub fn apply_uncategorised(
    listing: &mut Listing,
    names: &[&str],
    source: &str,
    record: usize,
    problems: &mut Vec<Problem>,
) {
    for name in names {
        let category = attested_category(name);
        apply_services(listing, category, &[name], source, record, problems);
    }
}

/// The category (`f2`) under which this service name was seen in real categorised records,
/// from the `category` column of `data/vocabulary/samhsa.csv`.
pub fn attested_category(name: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let text = include_str!("../../../data/vocabulary/samhsa.csv");
        let mut map = HashMap::new();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        // A table without the column (or a row that fails) gives no evidence: names stay partial.
        let category_col =
            reader.headers().ok().and_then(|h| h.iter().position(|c| c == "category"));
        let name_col = reader.headers().ok().and_then(|h| h.iter().position(|c| c == "name"));
        if let (Some(cat), Some(nam)) = (category_col, name_col) {
            for row in reader.records().flatten() {
                if let (Some(n), Some(c)) = (row.get(nam), row.get(cat))
                    && !c.trim().is_empty()
                {
                    map.entry(normalize_name(n)).or_insert_with(|| c.trim().to_owned());
                }
            }
        }
        map
    });
    map.get(&normalize_name(name)).map(String::as_str)
}

/// Looks a service up by code when it looks like one, else by name (and the other way round
/// as a fallback, for sources that mix them).
pub fn lookup<'a>(vocab: &'a SamhsaVocabulary, name: &str) -> Option<&'a SamhsaEntry> {
    if looks_like_code(name) {
        vocab.by_code(name).or_else(|| vocab.by_name(name))
    } else {
        vocab.by_name(name).or_else(|| vocab.by_code(name))
    }
}

/// SAMHSA service codes are short runs of capitals and digits (`OIT`, `F17`, `OLANZF`).
pub fn looks_like_code(s: &str) -> bool {
    let s = s.trim();
    (1..=6).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_uppercase())
}

fn push_raw(listing: &mut Listing, name: &str) {
    if !listing.services.iter().any(|s| s == name) {
        listing.services.push(name.to_owned());
    }
}

/// Splits a FindTreatment.gov `f3` (or a flattened `all_services`): names joined by `"; "`.
pub(crate) fn split_names(joined: &str) -> Vec<&str> {
    joined.split(';').map(str::trim).filter(|n| !n.is_empty()).collect()
}

/// A trimmed, non-empty string, or `None`.
pub(crate) fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A record-key part: lower case, single spaces, so spacing and case changes keep the id.
pub(crate) fn key_part(s: Option<&str>) -> String {
    s.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Parses SAMHSA's string coordinates. Both missing gives `None` quietly (the geocoder fills
/// it); anything present but unusable gives `None` and a problem naming the values.
pub(crate) fn parse_location(
    lat: Option<&str>,
    lon: Option<&str>,
    source: &str,
    record: usize,
    problems: &mut Vec<Problem>,
) -> Option<Location> {
    let (lat_s, lon_s) = (lat.map(str::trim), lon.map(str::trim));
    let (lat_s, lon_s) = match (lat_s.filter(|s| !s.is_empty()), lon_s.filter(|s| !s.is_empty())) {
        (None, None) => return None,
        (a, b) => (a.unwrap_or_default(), b.unwrap_or_default()),
    };
    let reason = match (lat_s.parse::<f64>(), lon_s.parse::<f64>()) {
        (Ok(la), Ok(lo)) if !la.is_finite() || !lo.is_finite() => "is not a finite number",
        (Ok(la), Ok(lo)) if !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo) => {
            "is outside the earth's range"
        }
        (Ok(la), Ok(lo)) if la == 0.0 && lo == 0.0 => "is 0,0 (a missing value)",
        (Ok(lat), Ok(lon)) => return Some(Location { lat, lon, approximate: false }),
        _ => "is not a pair of numbers",
    };
    problems.push(Problem {
        kind: ProblemKind::Repaired,
        source: source.to_owned(),
        record,
        field: "latitude,longitude".to_owned(),
        reason: format!("location {lat_s:?},{lon_s:?} {reason}; left empty for the geocoder"),
    });
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use iop_core::Attr;
    use iop_core::listing::Tri;

    #[test]
    fn codes_are_told_from_names() {
        assert!(looks_like_code("OIT"));
        assert!(looks_like_code("F17"));
        assert!(!looks_like_code("Outpatient"));
        assert!(!looks_like_code("17"));
        assert!(!looks_like_code("TOOLONG"));
    }

    #[test]
    fn complete_category_marks_group_known_even_without_a_value() {
        let mut l = Listing::default();
        let mut problems = Vec::new();
        apply_services(
            &mut l,
            Some("PAY"),
            &["Access to recovery (ATR) voucher"],
            "t",
            1,
            &mut problems,
        );
        assert_eq!(l.payments, Attr::Known(Default::default()));
        assert_eq!(l.has(Group::Payment, "medicaid"), Tri::No);
        assert!(problems.is_empty());
        assert_eq!(l.services, ["Access to recovery (ATR) voucher"]);
    }

    #[test]
    fn incomplete_category_adds_partial_values_and_order_does_not_matter() {
        let mut a = Listing::default();
        let mut b = Listing::default();
        let mut p = Vec::new();
        apply_services(
            &mut a,
            Some("OT"),
            &["SAMHSA-certified Opioid Treatment Program"],
            "t",
            1,
            &mut p,
        );
        assert_eq!(a.levels, Attr::partial(["otp"]));
        apply_services(&mut a, Some("SET"), &["Outpatient"], "t", 1, &mut p);
        apply_services(&mut b, Some("SET"), &["Outpatient"], "t", 1, &mut p);
        apply_services(
            &mut b,
            Some("OT"),
            &["SAMHSA-certified Opioid Treatment Program"],
            "t",
            1,
            &mut p,
        );
        assert_eq!(a.levels, Attr::known(["op", "otp"]));
        assert_eq!(a.levels, b.levels);
    }

    #[test]
    fn languages_category_implies_english() {
        let mut l = Listing::default();
        let mut p = Vec::new();
        apply_services(&mut l, Some("OL"), &["German"], "t", 1, &mut p);
        assert_eq!(l.languages, Attr::known(["de", "en"]));
        assert_eq!(l.has(Group::Language, "es"), Tri::No);
    }

    #[test]
    fn virtual_sets_the_schedule_facet() {
        let mut l = Listing::default();
        let mut p = Vec::new();
        apply_services(&mut l, Some("SET"), &["Telemedicine/telehealth"], "t", 1, &mut p);
        assert_eq!(l.schedule.facet("virtual"), Tri::Yes);
        assert_eq!(l.levels, Attr::Known(Default::default()));
    }

    #[test]
    fn unknown_name_is_reported_and_kept() {
        let mut l = Listing::default();
        let mut p = Vec::new();
        apply_services(&mut l, Some("TAP"), &["Horse whispering"], "src", 7, &mut p);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::Unmapped);
        assert_eq!(p[0].record, 7);
        assert_eq!(p[0].field, "services[TAP]");
        assert!(p[0].reason.contains("Horse whispering"), "{}", p[0].reason);
        assert_eq!(l.services, ["Horse whispering"]);
    }

    #[test]
    fn codes_resolve_and_show_samhsa_wording() {
        let mut l = Listing::default();
        let mut p = Vec::new();
        apply_services(&mut l, Some("SET"), &["OIT"], "t", 1, &mut p);
        assert_eq!(l.levels, Attr::known(["iop"]));
        assert_eq!(l.services, ["Intensive outpatient treatment"]);
    }

    #[test]
    fn attested_categories_come_from_real_records() {
        assert_eq!(attested_category("Intensive outpatient treatment"), Some("SET"));
        assert_eq!(attested_category("medicaid"), Some("PAY"));
        // A 2025-only wording that no categorised record shows: no evidence.
        assert_eq!(attested_category("Substance use disorder counseling"), None);
    }

    #[test]
    fn bad_coordinates_are_reported() {
        let mut p = Vec::new();
        assert!(parse_location(Some("38.0"), Some("-78.4"), "t", 1, &mut p).is_some());
        assert!(parse_location(None, Some(""), "t", 1, &mut p).is_none());
        assert!(p.is_empty());
        assert!(parse_location(Some("abc"), Some("-78.4"), "t", 2, &mut p).is_none());
        assert!(parse_location(Some("95"), Some("-78.4"), "t", 3, &mut p).is_none());
        assert!(parse_location(Some("38"), None, "t", 4, &mut p).is_none());
        assert_eq!(p.iter().map(|p| p.record).collect::<Vec<_>>(), [2, 3, 4]);
        assert!(p[0].reason.contains("\"abc\""));
    }
}
