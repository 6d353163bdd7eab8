//! The 2-1-1 Miami Open Referral data package (HSDS 1.x tables, extract of 2019-07-29).
//!
//! [`parse_dir`] reads the package shipped in `data/miami211/` and returns listings for the
//! substance-use and mental-health services only (by AIRS code, see [`crate::airs`]); every
//! other service (a food bank, a scout troop) is counted in [`HsdsParsed::left_out`].
//!
//! What each listing gets, and from where:
//! - levels, modalities, medications, populations: the service's AIRS codes through
//!   `data/miami211/airs_map.csv`, as [`Attr::Partial`] (a list of codes is not a complete
//!   description). Codes with no row in the table are reported once each as unmapped. A
//!   treatment service whose name, hours label or description says "intensive outpatient" /
//!   "IOP" (or "partial hospitalization" / "PHP") also gets `iop` (or `php`): AIRS has no code
//!   for them, and that is the one thing an IOP finder must not miss.
//! - schedule: `regular_schedules.original_text` through [`crate::hours::parse_hours`] (the
//!   text is the truth: the weekday rows are a lossy first parse, see `SOURCES.md`); the
//!   weekday rows are used only when the text yields no session at all.
//! - languages: `languages.csv` names to codes, partial. Phone, address (ZIP cut to five
//!   digits), coordinates when present (otherwise `None`: the ingest pipeline geocodes the
//!   ZIP), description (escapes, markers and mojibake repaired), web site.
//! - name: `organization — service` when the service name is not the organization's name
//!   (services are often named after a site: "BROWARD", "NORTH MIAMI").

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use iop_core::{Address, Attr, Listing, Location, Phones, Schedule, SourceRef};

use crate::hours::{Coverage, HoursOptions, parse_hours};
use crate::{HsdsParsed, HsdsProblemKind, Result, Table, airs, languages, text};

/// Source name stamped on listings and problems.
pub const SOURCE: &str = "miami-211";
/// Prefix of the stable ids this source mints.
pub const ID_PREFIX: &str = "m211";
/// When the extract was made.
pub const RETRIEVED: &str = "2019-07-29";
/// License and attribution, as the product must show them.
pub const LICENSE: &str = "License not stated (datapackage template default CC-BY-SA 4.0). \
     Attribution: 2-1-1 Miami / Switchboard of Miami via Open Referral Miami Open211 pilot";

/// One weekday row of `regular_schedules`.
#[derive(Clone, Debug)]
struct DayRow {
    weekday: String,
    opens: String,
    closes: String,
}

#[derive(Default)]
struct Hours {
    text: Option<String>,
    rows: Vec<DayRow>,
}

/// Reads the data package in `dir` (the `.csv.gz` tables of `data/miami211/`). `today`
/// (`YYYY-MM-DD`) decides which sessions are current for the schedule facets.
pub fn parse_dir(dir: &Path, today: &str) -> Result<HsdsParsed> {
    let p = |name: &str| dir.join(name);
    let taxonomy = Table::read(&p("taxonomy.csv.gz"), &["id", "name"])?;
    let tax_name: HashMap<String, String> = {
        let (id, name) = (taxonomy.getter("id"), taxonomy.getter("name"));
        taxonomy.rows.iter().map(|(_, r)| (id(r), name(r))).collect()
    };
    let st = Table::read(&p("services_taxonomy.csv.gz"), &["service_id", "taxonomy_id"])?;
    let mut codes: HashMap<String, Vec<String>> = HashMap::new();
    {
        let (sid, tid) = (st.getter("service_id"), st.getter("taxonomy_id"));
        for (_, r) in &st.rows {
            let list = codes.entry(sid(r)).or_default();
            let code = tid(r);
            if !code.is_empty() && !list.contains(&code) {
                list.push(code);
            }
        }
    }
    let services = Table::read(
        &p("services.csv.gz"),
        &["id", "organization_id", "name", "alternate_name", "description", "url"],
    )?;
    let orgs = Table::read(&p("organizations.csv.gz"), &["id", "name", "url"])?;
    let org_by_id: HashMap<String, (String, String)> = {
        let (id, name, url) = (orgs.getter("id"), orgs.getter("name"), orgs.getter("url"));
        orgs.rows.iter().map(|(_, r)| (id(r), (name(r), url(r)))).collect()
    };
    let service_org: HashMap<String, String> = {
        let (id, org) = (services.getter("id"), services.getter("organization_id"));
        services.rows.iter().map(|(_, r)| (id(r), org(r))).collect()
    };
    let sal = Table::read(&p("services_at_location.csv.gz"), &["service_id", "location_id"])?;
    let location_of: HashMap<String, String> = {
        let (s, l) = (sal.getter("service_id"), sal.getter("location_id"));
        sal.rows.iter().map(|(_, r)| (s(r), l(r))).collect()
    };
    let locations =
        Table::read(&p("locations.csv.gz"), &["id", "description", "latitude", "longitude"])?;
    let loc_by_id: HashMap<String, &csv::StringRecord> = {
        let id = locations.getter("id");
        locations.rows.iter().map(|(_, r)| (id(r), r)).collect()
    };
    let addresses = Table::read(
        &p("physical_addresses.csv.gz"),
        &["location_id", "address_1", "address_2", "city", "state_province", "postal_code"],
    )?;
    let addr_by_loc: HashMap<String, &csv::StringRecord> = {
        let id = addresses.getter("location_id");
        addresses.rows.iter().map(|(_, r)| (id(r), r)).collect()
    };
    let phone_table = Table::read(&p("phones.csv.gz"), &["service_id", "location_id", "number"])?;
    let mut phones_of: HashMap<String, Vec<String>> = HashMap::new();
    {
        let (sid, lid, num) = (
            phone_table.getter("service_id"),
            phone_table.getter("location_id"),
            phone_table.getter("number"),
        );
        for (_, r) in &phone_table.rows {
            let key = Some(sid(r)).filter(|s| !s.is_empty()).unwrap_or_else(|| lid(r));
            phones_of.entry(key).or_default().push(num(r));
        }
    }
    let sched = Table::read(
        &p("regular_schedules.csv.gz"),
        &["service_id", "weekday", "opens_at", "closes_at", "original_text"],
    )?;
    let mut hours_of: HashMap<String, Hours> = HashMap::new();
    {
        let g = |c| sched.getter(c);
        let (sid, wd, op, cl, ot) =
            (g("service_id"), g("weekday"), g("opens_at"), g("closes_at"), g("original_text"));
        for (_, r) in &sched.rows {
            let h = hours_of.entry(sid(r)).or_default();
            let t = ot(r);
            if h.text.is_none() && !t.is_empty() {
                h.text = Some(t);
            }
            h.rows.push(DayRow { weekday: wd(r), opens: op(r), closes: cl(r) });
        }
    }
    let langs = Table::read(&p("languages.csv.gz"), &["service_id", "language"])?;
    let mut langs_of: HashMap<String, BTreeSet<String>> = HashMap::new();
    {
        let (sid, lang) = (langs.getter("service_id"), langs.getter("language"));
        for (_, r) in &langs.rows {
            langs_of.entry(sid(r)).or_default().extend(languages::codes_in(&lang(r)));
        }
    }

    let mut out = HsdsParsed::default();
    // Codes on kept services that the table does not know: code -> (first record, services).
    let mut unmapped: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let g = |c| services.getter(c);
    let (sid, oid, sname, salt, sdesc, surl) =
        (g("id"), g("organization_id"), g("name"), g("alternate_name"), g("description"), g("url"));
    let no_codes = Vec::new();
    for (i, (_, row)) in services.rows.iter().enumerate() {
        let record = i + 1;
        out.read += 1;
        let id = sid(row);
        let service_codes = codes.get(&id).unwrap_or(&no_codes);
        if !airs::is_behavioral_health(service_codes.iter().map(String::as_str)) {
            out.left_out += 1;
            continue;
        }
        let org = resolve_org(&oid(row), &org_by_id, &service_org);
        let service_name = text::clean(&sname(row)).unwrap_or_default();
        let name = display_name(org.map(|o| o.0.as_str()), &service_name);
        if name.is_empty() {
            out.problem(HsdsProblemKind::Rejected, SOURCE, record, "services.name", "no name");
            continue;
        }
        let loc_id = location_of.get(&id).cloned().unwrap_or_else(|| id.clone());
        let loc = loc_by_id.get(&loc_id).copied();
        let loc_get = |col: &str| {
            locations.col(col).and_then(|c| loc.and_then(|r| r.get(c))).unwrap_or("").trim()
        };
        let mut listing = Listing {
            id: iop_core::id::stable_id(ID_PREFIX, &id),
            name,
            alt_name: text::clean(&salt(row)),
            description: text::clean(&sdesc(row)).or_else(|| text::clean(loc_get("description"))),
            website: website(&surl(row)).or_else(|| org.and_then(|o| website(&o.1))),
            sources: vec![SourceRef {
                name: SOURCE.to_owned(),
                record_id: id.clone(),
                retrieved: Some(RETRIEVED.to_owned()),
                license: Some(LICENSE.to_owned()),
            }],
            last_verified: Some(RETRIEVED.to_owned()),
            ..Listing::default()
        };
        listing.location = location(loc_get("latitude"), loc_get("longitude"), &mut out, record);
        if let Some(a) = addr_by_loc.get(&loc_id) {
            listing.address = address(&addresses, a, &mut out, record);
        }
        listing.phones =
            phones(phones_of.get(&id).map(Vec::as_slice).unwrap_or(&[]), &mut out, record);
        map_codes(&mut listing, service_codes, &tax_name, &mut unmapped, record);
        if let Some(l) = langs_of.get(&id) {
            listing.languages = Attr::partial(l.iter().cloned());
        }
        if let Some(h) = hours_of.get(&id) {
            listing.schedule = schedule(h, today, &mut out, record);
        }
        text_levels(&mut listing, service_codes, &service_name);
        out.listings.push(listing);
        out.records.push(record);
    }
    for (code, (record, n)) in unmapped {
        let name = tax_name.get(&code).map_or("not in taxonomy.csv", String::as_str);
        out.problem(
            HsdsProblemKind::Unmapped,
            SOURCE,
            record,
            "services_taxonomy.taxonomy_id",
            format!("AIRS code {code} ({name}) on {n} kept service(s) maps to no filter value"),
        );
    }
    Ok(out)
}

/// The organization of a service: its `organization_id`, or one hop further when that id is
/// another service (the agency -> program -> site hierarchy, flattened).
fn resolve_org<'a>(
    org_id: &str,
    orgs: &'a HashMap<String, (String, String)>,
    service_org: &HashMap<String, String>,
) -> Option<&'a (String, String)> {
    orgs.get(org_id).or_else(|| service_org.get(org_id).and_then(|o| orgs.get(o)))
}

/// `organization — service` unless the service is named after the organization.
fn display_name(org: Option<&str>, service: &str) -> String {
    let org = org.and_then(text::clean).unwrap_or_default();
    let norm =
        |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    if org.is_empty() {
        service.to_owned()
    } else if service.is_empty() || norm(service).contains(&norm(&org)) {
        if service.is_empty() { org } else { service.to_owned() }
    } else {
        format!("{org} — {service}")
    }
}

/// A URL from a directory field (`www.example.org` gets `http://`; junk gives `None`).
pub(crate) fn website(raw: &str) -> Option<String> {
    let t = raw.trim().trim_end_matches('/');
    if t.is_empty() || t.contains(char::is_whitespace) || !t.contains('.') {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(t.to_owned())
    } else {
        Some(format!("http://{t}"))
    }
}

fn location(lat: &str, lon: &str, out: &mut HsdsParsed, record: usize) -> Option<Location> {
    if lat.is_empty() && lon.is_empty() {
        return None; // geocoded from the ZIP by the ingest pipeline
    }
    match (lat.parse::<f64>(), lon.parse::<f64>()) {
        (Ok(lat), Ok(lon))
            if (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon)
                && (lat, lon) != (0.0, 0.0) =>
        {
            Some(Location { lat, lon, approximate: false })
        }
        _ => {
            let reason = format!("coordinates {lat:?},{lon:?} are not a point; dropped");
            out.problem(HsdsProblemKind::Repaired, SOURCE, record, "locations.latitude", reason);
            None
        }
    }
}

fn address(t: &Table, r: &csv::StringRecord, out: &mut HsdsParsed, record: usize) -> Address {
    let g = |c: &str| t.getter(c)(r);
    let state = g("state_province").to_ascii_uppercase();
    let state = if state.len() == 2 && state.chars().all(|c| c.is_ascii_alphabetic()) {
        Some(state)
    } else {
        if !state.is_empty() {
            let reason = format!("state {state:?} is not a two-letter code; dropped");
            out.problem(
                HsdsProblemKind::Repaired,
                SOURCE,
                record,
                "physical_addresses.state_province",
                reason,
            );
        }
        None
    };
    Address {
        street: text::non_empty(&g("address_1")),
        street2: text::non_empty(&g("address_2")),
        city: text::non_empty(&g("city")),
        state,
        zip: zip5(&g("postal_code"), out, record, SOURCE, "physical_addresses.postal_code"),
    }
}

/// A five-digit ZIP from `33157`, `33157-1234` or `331571234`; anything else is dropped and
/// reported.
pub(crate) fn zip5(
    raw: &str,
    out: &mut HsdsParsed,
    record: usize,
    source: &str,
    field: &str,
) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let rest = &t[digits.len()..];
    let ok = (digits.len() == 5 && (rest.is_empty() || rest.starts_with('-')))
        || (digits.len() == 9 && rest.is_empty());
    if ok {
        Some(digits[..5].to_owned())
    } else {
        out.problem(
            HsdsProblemKind::Repaired,
            source,
            record,
            field,
            format!("ZIP {t:?} is not five digits; dropped"),
        );
        None
    }
}

fn phones(numbers: &[String], out: &mut HsdsParsed, record: usize) -> Phones {
    let mut main = None;
    for n in numbers.iter().filter(|n| !n.trim().is_empty()) {
        match iop_core::phone::normalize(n) {
            Ok(e164) => {
                if main.is_none() {
                    main = Some(e164);
                }
            }
            Err(e) => {
                let reason = format!("{e}; dropped");
                out.problem(HsdsProblemKind::Repaired, SOURCE, record, "phones.number", reason);
            }
        }
    }
    Phones { main, intake: None, hotline: None }
}

/// Adds the filter values the service's AIRS codes imply, and records codes with no row.
fn map_codes(
    listing: &mut Listing,
    codes: &[String],
    tax_name: &HashMap<String, String>,
    unmapped: &mut BTreeMap<String, (usize, usize)>,
    record: usize,
) {
    let map = airs::AirsMap::get();
    for code in codes {
        match map.lookup(code) {
            Some(row) => {
                for (group, value) in &row.targets {
                    match listing.attr_mut(*group) {
                        Some(attr) => attr.insert_partial(value.clone()),
                        None => listing.schedule.set_facet(value),
                    }
                }
                let relevant = airs::is_sud_any(code) || airs::is_mental_health(code);
                if (relevant || !row.targets.is_empty())
                    && let Some(name) = tax_name.get(code)
                    && !listing.services.contains(name)
                {
                    listing.services.push(name.clone());
                }
            }
            None => {
                let e = unmapped.entry(code.clone()).or_insert((record, 0));
                e.1 += 1;
            }
        }
    }
}

/// Treatment codes: where a description's "intensive outpatient" describes this service.
fn is_treatment(code: &str) -> bool {
    ["RX-8450", "RX-1700", "RP-6400", "RM-6500", "RM-3300", "RM-7000"]
        .iter()
        .any(|p| airs::covers(p, code))
}

/// `iop` / `php` from the words of a treatment service: AIRS has no code for either.
fn text_levels(listing: &mut Listing, codes: &[String], service_name: &str) {
    if !codes.iter().any(|c| is_treatment(c)) {
        return;
    }
    let labels = listing.schedule.sessions.iter().filter_map(|s| s.label.as_deref());
    let mut words = vec![service_name.to_owned()];
    words.extend(labels.map(str::to_owned));
    words.extend(listing.description.clone());
    let said = |phrases: &[&str], acronym: &str| {
        words.iter().any(|w| {
            let lower = w.to_lowercase();
            phrases.iter().any(|p| lower.contains(p))
                || w.split(|c: char| !c.is_alphanumeric()).any(|t| t == acronym)
        })
    };
    if said(&["intensive outpatient"], "IOP") {
        listing.levels.insert_partial("iop");
    }
    if said(&["partial hospitalization", "partial hospitalisation"], "PHP") {
        listing.levels.insert_partial("php");
    }
}

/// The schedule from the free text, or from the weekday rows when the text yields nothing.
fn schedule(h: &Hours, today: &str, out: &mut HsdsParsed, record: usize) -> Schedule {
    let mut schedule = Schedule::default();
    let field = "regular_schedules.original_text";
    let parsed = h.text.as_deref().map(|t| parse_hours(t, HoursOptions::default()));
    if let Some(p) = &parsed {
        schedule.sessions = p.sessions.clone();
        if p.coverage() != Coverage::Full || p.by_appointment {
            schedule.hours_text = text::clean(&p.text);
        }
        if p.coverage() == Coverage::Partial {
            let reason = format!("hours parts not structured, kept as text: {:?}", p.unparsed);
            out.problem(HsdsProblemKind::Unmapped, SOURCE, record, field, reason);
        }
    }
    if schedule.sessions.is_empty() && !h.rows.is_empty() {
        schedule.sessions = sessions_from_rows(&h.rows);
        let text = parsed.as_ref().map_or("", |p| p.text.as_str());
        let reason = if schedule.sessions.is_empty() {
            format!("hours text {text:?} and weekday rows not structured; kept as text")
        } else {
            format!("hours text {text:?} not structured; used the weekday rows instead")
        };
        let kind = if schedule.sessions.is_empty() {
            HsdsProblemKind::Unmapped
        } else {
            HsdsProblemKind::Repaired
        };
        out.problem(kind, SOURCE, record, field, reason);
    }
    schedule.derive_facets(today);
    schedule
}

/// Sessions from weekday rows (`Monday, 9:00am, 5:00pm`), days with the same times merged.
fn sessions_from_rows(rows: &[DayRow]) -> Vec<iop_core::Session> {
    let mut sessions: Vec<iop_core::Session> = Vec::new();
    for r in rows {
        let line = format!("{}-{}, {}", r.opens, r.closes, r.weekday);
        for s in parse_hours(&line, HoursOptions::default()).sessions {
            match sessions.iter_mut().find(|x| x.start == s.start && x.end == s.end) {
                Some(x) => {
                    for d in s.days {
                        if !x.days.contains(&d) {
                            x.days.push(d);
                        }
                    }
                    x.days.sort();
                }
                None => sessions.push(s),
            }
        }
    }
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_websites() {
        assert_eq!(
            display_name(Some("MULTICULTURAL CARE CENTERS, LLC."), "BROWARD"),
            "MULTICULTURAL CARE CENTERS, LLC. — BROWARD"
        );
        assert_eq!(
            display_name(Some("DADE FAMILY COUNSELING, INC."), "DADE FAMILY COUNSELING, INC."),
            "DADE FAMILY COUNSELING, INC."
        );
        assert_eq!(display_name(None, "X"), "X");
        assert_eq!(website("www.girlscoutsfl.org").as_deref(), Some("http://www.girlscoutsfl.org"));
        assert_eq!(website("https://a.org/").as_deref(), Some("https://a.org"));
        assert_eq!(website("n/a"), None);
    }

    #[test]
    fn zips() {
        let mut out = HsdsParsed::default();
        assert_eq!(zip5("33157", &mut out, 1, SOURCE, "z").as_deref(), Some("33157"));
        assert_eq!(zip5("33157-1234", &mut out, 1, SOURCE, "z").as_deref(), Some("33157"));
        assert!(out.problems.is_empty());
        assert_eq!(zip5("3315", &mut out, 7, SOURCE, "z"), None);
        assert_eq!(out.problems[0].record, 7);
        assert_eq!(out.problems[0].reason, "ZIP \"3315\" is not five digits; dropped");
    }
}
