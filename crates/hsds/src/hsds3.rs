//! Open Referral HSDS 3.0, in and out.
//!
//! **In.** [`read_json`] reads a JSON file holding a service (with nested `organization`,
//! `service_at_locations[].location`, `schedules`, `phones`, `languages`, `attributes`), a
//! service-at-location (with `service` and `location`), an organization with `services`, a
//! page (`{"contents": [...]}`) or an array of those. [`read_tabular`] reads the tabular form
//! (a folder of `services.csv`, `locations.csv`, `schedules.csv`, ... as in a HSDS data
//! package) by assembling the same nested documents, so both forms map the same way. Each
//! service at each location becomes one listing.
//!
//! Schedules become [`Session`]s: `freq` WEEKLY (or absent), `byday` `MO,TU`, `opens_at` /
//! `closes_at` `HH:MM[:SS][Z|±hh:mm]` (converted to the `timezone` UTC offset when both are
//! given), `valid_from` / `valid_to` (and `dtstart` / `until`), `attending_type` to the format
//! (online, virtual, phone, video: virtual; in person: in person; hybrid, either, or both kinds
//! named: hybrid), `description` as the label when it is short. Rules that are not plain
//! weekly (`MONTHLY`, `interval` > 1, `byweekno`, `bymonthday`, `byyearday`, `count`) are
//! reported and not turned into sessions. A `virtual` location sets the `virtual` facet.
//! Attributes' taxonomy terms map onto the vocabulary by our own `iop-finder` codes, by AIRS
//! code, or by name (vocabulary labels and SAMHSA service names); the rest are reported.
//!
//! Malformed input (a field of the wrong type, `opens_at` "25:00", `byday` "XX", a missing
//! `id` or `name`) is an [`Error`] naming the file and the field, or for CSV the file and line.
//! Values that are well-formed but unusable (a UK phone number, latitude 100) are dropped and
//! reported as problems.
//!
//! **Out.** [`to_hsds_service`] writes a listing as a full HSDS 3.0 service and
//! [`to_hsds_organization`] its organization; [`page`] wraps a list as the HSDS API pages it.
//! What we add (levels, schedule facets, unknown groups) travels as `attributes` whose
//! `taxonomy_term` is in the `iop-finder` taxonomy: see `crates/hsds/PROFILE.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use iop_core::schedule::{FACETS, format_hhmm};
use iop_core::vocabulary::{Group, Lang, SamhsaVocabulary};
use iop_core::{
    Address, Attr, Listing, Location, Phones, Session, SessionFormat, SessionKind, SourceRef,
    Vocabulary, Weekday,
};
use serde_json::{Map, Value, json};

use crate::airs::AirsMap;
use crate::miami::{website, zip5};
use crate::{Error, HsdsParsed, HsdsProblemKind, Result, Table, read_text, text};

/// The taxonomy our extras are published in.
pub const TAXONOMY: &str = "iop-finder";

/// Who the data comes from, stamped on listings and problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hsds3Source {
    /// Source name (`hsds3-example`).
    pub name: String,
    /// Prefix of the stable ids minted for its listings.
    pub id_prefix: String,
    /// License and attribution, when known.
    pub license: Option<String>,
    /// When the data was retrieved (`YYYY-MM-DD`).
    pub retrieved: Option<String>,
}

/// Where a nested document came from, for error messages.
#[derive(Clone, Debug)]
enum Origin {
    /// A JSON file; fields are named by their path in the document.
    Json(PathBuf),
    /// A folder of CSV tables; objects carry `$file` and `$line`.
    Csv(PathBuf),
}

struct Ctx<'a> {
    origin: Origin,
    source: &'a Hsds3Source,
    today: &'a str,
}

impl Ctx<'_> {
    /// An error for `field` of `obj` found at `path`.
    fn error(&self, obj: &Value, path: &str, field: &str, message: impl Into<String>) -> Error {
        let message = message.into();
        match (&self.origin, obj.get("$file").and_then(Value::as_str), obj.get("$line")) {
            (Origin::Csv(dir), Some(file), Some(line)) => Error::Line {
                path: dir.join(file),
                line: line.as_u64().unwrap_or(0),
                message: format!("field {field}: {message}"),
            },
            (Origin::Csv(dir) | Origin::Json(dir), _, _) => {
                Error::Field { path: dir.clone(), field: join(path, field), message }
            }
        }
    }

    /// Where a problem was found, for its `field`.
    fn at(&self, obj: &Value, path: &str, field: &str) -> String {
        match (obj.get("$file").and_then(Value::as_str), obj.get("$line")) {
            (Some(file), Some(line)) => format!("{file} line {line}: {field}"),
            _ => join(path, field),
        }
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() { field.to_owned() } else { format!("{path}.{field}") }
}

/// Reads an HSDS 3.0 JSON file (see the module docs for the shapes accepted).
pub fn read_json(path: &Path, source: &Hsds3Source, today: &str) -> Result<HsdsParsed> {
    let text = read_text(path)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| Error::Line {
        path: path.to_owned(),
        line: e.line() as u64,
        message: format!("not JSON: {e}"),
    })?;
    from_json(&doc, path, source, today)
}

/// Maps an HSDS 3.0 document already parsed; `path` names it in errors.
pub fn from_json(
    doc: &Value,
    path: &Path,
    source: &Hsds3Source,
    today: &str,
) -> Result<HsdsParsed> {
    let ctx = Ctx { origin: Origin::Json(path.to_owned()), source, today };
    let mut out = HsdsParsed::default();
    let items: Vec<(String, &Value)> = match doc {
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("[{i}]"), v)).collect(),
        Value::Object(o) => match o.get("contents") {
            Some(Value::Array(a)) => {
                a.iter().enumerate().map(|(i, v)| (format!("contents[{i}]"), v)).collect()
            }
            Some(_) => return Err(ctx.error(doc, "", "contents", "not an array")),
            None => vec![(String::new(), doc)],
        },
        _ => return Err(ctx.error(doc, "", "$", "not an object or an array")),
    };
    for (at, item) in items {
        document(&ctx, item, &at, &mut out)?;
    }
    Ok(out)
}

/// One document: a service, a service at location, or an organization with services.
fn document(ctx: &Ctx<'_>, doc: &Value, at: &str, out: &mut HsdsParsed) -> Result<()> {
    if !doc.is_object() {
        return Err(ctx.error(doc, at, "$", "not an object"));
    }
    if let Some(service) = doc.get("service").filter(|s| s.is_object()) {
        // A service at location: the service, at this one location.
        let mut s = service.clone();
        if let Some(o) = s.as_object_mut() {
            let mut sal = doc.clone();
            if let Some(m) = sal.as_object_mut() {
                m.remove("service");
            }
            o.insert("service_at_locations".into(), Value::Array(vec![sal]));
        }
        return service_listings(ctx, &s, &join(at, "service"), out);
    }
    if let Some(services) = doc.get("services") {
        let arr =
            services.as_array().ok_or_else(|| ctx.error(doc, at, "services", "not an array"))?;
        let mut org = doc.clone();
        if let Some(m) = org.as_object_mut() {
            m.remove("services");
        }
        for (i, s) in arr.iter().enumerate() {
            let mut s = s.clone();
            if let Some(m) = s.as_object_mut() {
                m.entry("organization").or_insert_with(|| org.clone());
            }
            service_listings(ctx, &s, &join(at, &format!("services[{i}]")), out)?;
        }
        return Ok(());
    }
    service_listings(ctx, doc, at, out)
}

fn opt_str<'a>(ctx: &Ctx<'_>, obj: &'a Value, at: &str, field: &str) -> Result<Option<&'a str>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
        Some(other) => Err(ctx.error(obj, at, field, format!("expected a string, found {other}"))),
    }
}

fn req_str<'a>(ctx: &Ctx<'_>, obj: &'a Value, at: &str, field: &str) -> Result<&'a str> {
    opt_str(ctx, obj, at, field)?.ok_or_else(|| ctx.error(obj, at, field, "required, missing"))
}

fn opt_arr<'a>(ctx: &Ctx<'_>, obj: &'a Value, at: &str, field: &str) -> Result<&'a [Value]> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(ctx.error(obj, at, field, format!("expected an array, found {other}"))),
    }
}

/// A number given as a JSON number or, from CSV, as a string.
fn opt_num(ctx: &Ctx<'_>, obj: &Value, at: &str, field: &str) -> Result<Option<f64>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ctx.error(obj, at, field, format!("{s:?} is not a number"))),
        Some(other) => Err(ctx.error(obj, at, field, format!("expected a number, found {other}"))),
    }
}

/// The listings of one service: one per service at location (or one without a location).
fn service_listings(ctx: &Ctx<'_>, svc: &Value, at: &str, out: &mut HsdsParsed) -> Result<()> {
    out.read += 1;
    let record = out.read;
    let id = req_str(ctx, svc, at, "id")?.to_owned();
    let name = req_str(ctx, svc, at, "name")?;
    let source = ctx.source.name.as_str();
    if let Some(status) = opt_str(ctx, svc, at, "status")?
        && matches!(status, "inactive" | "defunct")
    {
        let reason = format!("service {id} is {status}");
        out.problem(HsdsProblemKind::Rejected, source, record, &ctx.at(svc, at, "status"), reason);
        return Ok(());
    }
    let org = svc.get("organization").filter(|o| o.is_object());
    let org_at = join(at, "organization");
    let org_name = match org {
        Some(o) => opt_str(ctx, o, &org_at, "name")?,
        None => None,
    };
    let mut base = Listing {
        name: text::clean(name).unwrap_or_else(|| name.to_owned()),
        alt_name: opt_str(ctx, svc, at, "alternate_name")?
            .or(org_name.filter(|o| !o.eq_ignore_ascii_case(name)))
            .and_then(text::clean),
        description: opt_str(ctx, svc, at, "description")?.and_then(text::clean),
        website: opt_str(ctx, svc, at, "url")?.and_then(website),
        ..Listing::default()
    };
    if base.website.is_none()
        && let Some(o) = org
    {
        base.website = opt_str(ctx, o, &org_at, "website")?.and_then(website);
    }
    let verified = opt_str(ctx, svc, at, "assured_date")?
        .or(opt_str(ctx, svc, at, "last_modified")?)
        .and_then(|d| d.get(..10))
        .filter(|d| crate::schema::is_date(d))
        .map(str::to_owned);
    base.last_verified = verified.or_else(|| ctx.source.retrieved.clone());

    let mut found = Found::default();
    collect_phones(ctx, svc, at, &mut found.phones)?;
    collect_languages(ctx, svc, at, &mut found.languages)?;
    collect_schedules(ctx, svc, at, &mut found, out, record)?;
    collect_attributes(ctx, svc, at, &mut found.targets, out, record)?;
    if let Some(o) = org {
        collect_phones(ctx, o, &org_at, &mut found.phones)?;
    }

    let sals = opt_arr(ctx, svc, at, "service_at_locations")?;
    let mut places: Vec<(String, Option<&Value>, String)> = Vec::new();
    for (i, sal) in sals.iter().enumerate() {
        let sal_at = join(at, &format!("service_at_locations[{i}]"));
        let sal_id = opt_str(ctx, sal, &sal_at, "id")?.unwrap_or("").to_owned();
        places.push((sal_id, Some(sal), sal_at));
    }
    if places.is_empty() {
        places.push((String::new(), None, at.to_owned()));
    }
    for (sal_id, sal, sal_at) in places {
        let mut l = base.clone();
        let key = if sal_id.is_empty() { id.clone() } else { format!("{id}@{sal_id}") };
        l.id = iop_core::id::stable_id(&ctx.source.id_prefix, &key);
        l.sources = vec![SourceRef {
            name: ctx.source.name.clone(),
            record_id: key,
            retrieved: ctx.source.retrieved.clone(),
            license: ctx.source.license.clone(),
        }];
        let mut f = found.clone();
        if let Some(sal) = sal {
            collect_phones(ctx, sal, &sal_at, &mut f.phones)?;
            collect_schedules(ctx, sal, &sal_at, &mut f, out, record)?;
            collect_attributes(ctx, sal, &sal_at, &mut f.targets, out, record)?;
            if let Some(loc) = sal.get("location").filter(|v| v.is_object()) {
                let loc_at = join(&sal_at, "location");
                location(ctx, loc, &loc_at, &mut l, out, record)?;
                collect_phones(ctx, loc, &loc_at, &mut f.phones)?;
                collect_languages(ctx, loc, &loc_at, &mut f.languages)?;
                collect_schedules(ctx, loc, &loc_at, &mut f, out, record)?;
                collect_attributes(ctx, loc, &loc_at, &mut f.targets, out, record)?;
            }
        }
        l.phones = pick_phones(&f.phones, out, source, record);
        l.languages = Attr::partial(f.languages);
        l.schedule.sessions = f.sessions;
        apply_targets(&mut l, &f.targets);
        l.schedule.derive_facets(ctx.today);
        out.listings.push(l);
        out.records.push(record);
    }
    Ok(())
}

fn location(
    ctx: &Ctx<'_>,
    loc: &Value,
    at: &str,
    l: &mut Listing,
    out: &mut HsdsParsed,
    record: usize,
) -> Result<()> {
    let source = ctx.source.name.as_str();
    if let Some(t) = opt_str(ctx, loc, at, "location_type")? {
        match t {
            "virtual" => l.schedule.set_facet("virtual"),
            "physical" | "postal" => {}
            other => {
                let msg = format!("{other:?} is not physical, postal or virtual");
                return Err(ctx.error(loc, at, "location_type", msg));
            }
        }
    }
    let (lat, lon) = (opt_num(ctx, loc, at, "latitude")?, opt_num(ctx, loc, at, "longitude")?);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            l.location = Some(Location { lat, lon, approximate: false });
        } else {
            let reason =
                format!("latitude {lat}, longitude {lon} is not a point on earth; dropped");
            out.problem(
                HsdsProblemKind::Repaired,
                source,
                record,
                &ctx.at(loc, at, "latitude"),
                reason,
            );
        }
    }
    let addresses = opt_arr(ctx, loc, at, "addresses")?;
    let pick = addresses
        .iter()
        .enumerate()
        .find(|(_, a)| a.get("address_type").and_then(Value::as_str) != Some("postal"))
        .or_else(|| addresses.iter().enumerate().next());
    if let Some((i, a)) = pick {
        let a_at = join(at, &format!("addresses[{i}]"));
        let country = opt_str(ctx, a, &a_at, "country")?;
        if country.is_some_and(|c| !matches!(c.to_ascii_uppercase().as_str(), "US" | "USA")) {
            let reason = format!(
                "country {:?} is not the US; address kept without a ZIP",
                country.unwrap_or("")
            );
            out.problem(
                HsdsProblemKind::Repaired,
                source,
                record,
                &ctx.at(a, &a_at, "country"),
                reason,
            );
        }
        let state = opt_str(ctx, a, &a_at, "state_province")?.map(str::to_ascii_uppercase);
        let state_ok = state.as_deref().is_some_and(iop_core::states::is_state);
        if state.is_some() && !state_ok {
            let reason = format!(
                "state {:?} is not a US state code; dropped",
                state.as_deref().unwrap_or("")
            );
            out.problem(
                HsdsProblemKind::Repaired,
                source,
                record,
                &ctx.at(a, &a_at, "state_province"),
                reason,
            );
        }
        let zip = opt_str(ctx, a, &a_at, "postal_code")?
            .and_then(|z| zip5(z, out, record, source, &ctx.at(a, &a_at, "postal_code")));
        l.address = Address {
            street: opt_str(ctx, a, &a_at, "address_1")?.map(str::to_owned),
            street2: opt_str(ctx, a, &a_at, "address_2")?.map(str::to_owned),
            city: opt_str(ctx, a, &a_at, "city")?.map(str::to_owned),
            state: state.filter(|_| state_ok),
            zip,
        };
    }
    Ok(())
}

fn collect_phones(
    ctx: &Ctx<'_>,
    obj: &Value,
    at: &str,
    found: &mut Vec<(String, String)>,
) -> Result<()> {
    for (i, p) in opt_arr(ctx, obj, at, "phones")?.iter().enumerate() {
        let p_at = join(at, &format!("phones[{i}]"));
        let number = req_str(ctx, p, &p_at, "number")?;
        let what = [opt_str(ctx, p, &p_at, "type")?, opt_str(ctx, p, &p_at, "description")?]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        found.push((number.to_owned(), what));
    }
    Ok(())
}

fn pick_phones(
    found: &[(String, String)],
    out: &mut HsdsParsed,
    source: &str,
    record: usize,
) -> Phones {
    let mut p = Phones::default();
    let mut seen = BTreeSet::new();
    for (number, what) in found {
        // The same phone is often repeated on the service, its location and its organization.
        if !seen.insert(number.as_str()) {
            continue;
        }
        match iop_core::phone::normalize(number.trim_matches('"')) {
            Ok(e164) => {
                if what.contains("hotline") || what.contains("crisis") {
                    p.hotline.get_or_insert(e164);
                } else if what.contains("intake") || what.contains("admission") {
                    p.intake.get_or_insert(e164);
                } else {
                    p.main.get_or_insert(e164);
                }
            }
            Err(e) => {
                let reason = format!("{e}; dropped");
                out.problem(HsdsProblemKind::Repaired, source, record, "phones.number", reason);
            }
        }
    }
    p
}

fn collect_languages(
    ctx: &Ctx<'_>,
    obj: &Value,
    at: &str,
    found: &mut BTreeSet<String>,
) -> Result<()> {
    for (i, lang) in opt_arr(ctx, obj, at, "languages")?.iter().enumerate() {
        let l_at = join(at, &format!("languages[{i}]"));
        let code = opt_str(ctx, lang, &l_at, "code")?.and_then(crate::languages::code_of);
        let name = opt_str(ctx, lang, &l_at, "name")?.and_then(crate::languages::code_of);
        found.extend(code.or(name));
    }
    Ok(())
}

/// `HH:MM[:SS][Z|±hh:mm]` -> (minutes, offset in minutes when given).
fn parse_clock(s: &str) -> Option<(u32, Option<i32>)> {
    let s = s.trim();
    let (clock, offset) = if let Some(c) = s.strip_suffix(['Z', 'z']) {
        (c, Some(0))
    } else if let Some(i) = s.rfind(['+', '-']).filter(|&i| i >= 4) {
        let (sign, rest) = (if &s[i..=i] == "-" { -1 } else { 1 }, &s[i + 1..]);
        let (h, m) = rest.split_once(':').unwrap_or((rest, "00"));
        let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
        if h > 14 || m >= 60 {
            return None;
        }
        (&s[..i], Some(sign * (h * 60 + m)))
    } else {
        (s, None)
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let (h, m): (u32, u32) = (parts[0].parse().ok()?, parts[1].parse().ok()?);
    if let Some(sec) = parts.get(2)
        && sec.parse::<u32>().ok()? >= 60
    {
        return None;
    }
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some((h * 60 + m, offset))
}

/// `attending_type` free text to a format.
pub fn attending_format(s: &str) -> Option<SessionFormat> {
    let l = s.to_lowercase();
    let remote = ["online", "virtual", "phone", "video", "remote", "telehealth", "zoom"]
        .iter()
        .any(|w| l.contains(w));
    let in_person = ["in person", "in-person", "on site", "onsite", "on-site", "face to face"]
        .iter()
        .any(|w| l.contains(w));
    if l.contains("hybrid") || l.contains("either") || (remote && in_person) {
        Some(SessionFormat::Hybrid)
    } else if remote {
        Some(SessionFormat::Virtual)
    } else if in_person {
        Some(SessionFormat::InPerson)
    } else {
        None
    }
}

fn date_field(ctx: &Ctx<'_>, obj: &Value, at: &str, field: &str) -> Result<Option<String>> {
    match opt_str(ctx, obj, at, field)? {
        None => Ok(None),
        Some(d) => {
            let day = d.get(..10).filter(|x| crate::schema::is_date(x));
            day.map(|x| Some(x.to_owned()))
                .ok_or_else(|| ctx.error(obj, at, field, format!("{d:?} is not a YYYY-MM-DD date")))
        }
    }
}

fn collect_schedules(
    ctx: &Ctx<'_>,
    obj: &Value,
    at: &str,
    found: &mut Found,
    out: &mut HsdsParsed,
    record: usize,
) -> Result<()> {
    let source = ctx.source.name.as_str();
    for (i, s) in opt_arr(ctx, obj, at, "schedules")?.iter().enumerate() {
        let s_at = join(at, &format!("schedules[{i}]"));
        let sid = opt_str(ctx, s, &s_at, "id")?.unwrap_or("?").to_owned();
        // Everything is checked for form first, so bad input is an error even on a schedule
        // that is then left out for not being weekly.
        let mut days = Vec::new();
        if let Some(byday) = opt_str(ctx, s, &s_at, "byday")? {
            for d in byday.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                let day = Weekday::parse(d)
                    .filter(|_| d.len() == 2)
                    .ok_or_else(|| ctx.error(s, &s_at, "byday", format!("{d:?} is not MO..SU")))?;
                if !days.contains(&day) {
                    days.push(day);
                }
            }
        }
        let mut times = [None, None];
        for (k, field) in ["opens_at", "closes_at"].into_iter().enumerate() {
            if let Some(t) = opt_str(ctx, s, &s_at, field)? {
                let parsed = parse_clock(t).ok_or_else(|| {
                    ctx.error(s, &s_at, field, format!("{t:?} is not HH:MM[:SS]"))
                })?;
                times[k] = Some(parsed);
            }
        }
        let tz = opt_num(ctx, s, &s_at, "timezone")?;
        let interval = opt_num(ctx, s, &s_at, "interval")?;
        let count = opt_num(ctx, s, &s_at, "count")?;
        let mut valid_from = date_field(ctx, s, &s_at, "valid_from")?;
        let dtstart = date_field(ctx, s, &s_at, "dtstart")?;
        let mut valid_to = date_field(ctx, s, &s_at, "valid_to")?;
        let until = date_field(ctx, s, &s_at, "until")?;
        let description = opt_str(ctx, s, &s_at, "description")?.and_then(text::clean);
        let attending = opt_str(ctx, s, &s_at, "attending_type")?;
        let notes = opt_str(ctx, s, &s_at, "notes")?;
        let freq = opt_str(ctx, s, &s_at, "freq")?;
        let mut limited = None;
        for f in ["byweekno", "bymonthday", "byyearday"] {
            if let (None, Some(v)) = (&limited, opt_str(ctx, s, &s_at, f)?) {
                limited = Some((f, v.to_owned()));
            }
        }
        // The same schedule is often repeated on the service, its location and the service at
        // location (the HSDS examples do it): read it once, once its form is checked.
        if sid != "?" && !found.schedule_ids.insert(sid.clone()) {
            continue;
        }
        let mut skip = |field: &str, why: String| {
            let reason = format!("schedule {sid}: {why}; not imported as a weekly session");
            out.problem(
                HsdsProblemKind::Unmapped,
                source,
                record,
                &ctx.at(s, &s_at, field),
                reason,
            );
        };
        if let Some(f) = freq.filter(|f| !f.eq_ignore_ascii_case("WEEKLY")) {
            skip("freq", format!("freq {f} is not weekly"));
            continue;
        }
        if interval.is_some_and(|n| n > 1.0) {
            skip("interval", "it repeats every few weeks".into());
            continue;
        }
        if let Some((f, v)) = limited {
            skip(f, format!("{f} {v} limits it to some weeks or days"));
            continue;
        }
        if count.is_some() {
            skip("count", "it ends after a count of occurrences".into());
            continue;
        }
        let (Some((open, off_a)), Some((close, off_b))) = (times[0], times[1]) else {
            skip("opens_at", "opens_at or closes_at is missing".into());
            continue;
        };
        if days.is_empty() {
            skip("byday", "no byday".into());
            continue;
        }
        let (mut open, mut close) = (open as i32, close as i32);
        match (off_a.or(off_b), tz) {
            (Some(off), Some(tz)) => {
                let shift = (tz * 60.0).round() as i32 - off;
                open += shift;
                close += shift;
                if !(0..24 * 60).contains(&open) || !(0..=24 * 60).contains(&close) {
                    skip("opens_at", "in the timezone's local time it crosses midnight".into());
                    continue;
                }
            }
            (Some(_), None) => {
                let reason = format!(
                    "schedule {sid}: time zone offset without a timezone; read as local time"
                );
                let field = ctx.at(s, &s_at, "opens_at");
                out.problem(HsdsProblemKind::Repaired, source, record, &field, reason);
            }
            _ => {}
        }
        if open == close || open >= 24 * 60 {
            return Err(ctx.error(s, &s_at, "closes_at", "closes when it opens"));
        }
        let label = description.filter(|d| d.chars().count() <= 60);
        if valid_from.is_none() {
            valid_from = dtstart;
        }
        if let Some(until) = until {
            valid_to = Some(match valid_to {
                Some(v) if v < until => v,
                _ => until,
            });
        }
        days.sort();
        found.sessions.push(Session {
            days,
            start: format_hhmm(open as u32),
            end: format_hhmm(close as u32),
            format: attending.and_then(attending_format),
            // Our own exports say the kind in `notes`; others are read from the label.
            kind: match notes {
                Some("program") => SessionKind::Program,
                Some("office_hours") => SessionKind::OfficeHours,
                _ => crate::hours::kind_for_label(label.as_deref()),
            },
            label,
            valid_from,
            valid_to,
        });
    }
    Ok(())
}

/// What the levels of one service (service, service at location, location) add up to.
#[derive(Clone, Debug, Default)]
struct Found {
    phones: Vec<(String, String)>,
    languages: BTreeSet<String>,
    sessions: Vec<Session>,
    schedule_ids: BTreeSet<String>,
    targets: Vec<AttrTarget>,
}

/// A filter value or schedule fact an attribute says.
#[derive(Clone, Debug, PartialEq)]
enum AttrTarget {
    Value(Group, String),
    /// The group is described completely (our `complete:` code).
    Complete(Group),
    FacetNo(String),
    HoursPerWeek(f32),
    DurationWeeks(f32),
    VirtualState(String),
    Accepting(bool),
    /// Ours, understood, nothing to apply (`listing_id`, `unknown:schedule`).
    Note,
}

fn collect_attributes(
    ctx: &Ctx<'_>,
    obj: &Value,
    at: &str,
    targets: &mut Vec<AttrTarget>,
    out: &mut HsdsParsed,
    record: usize,
) -> Result<()> {
    let vocab = Vocabulary::get();
    for (i, a) in opt_arr(ctx, obj, at, "attributes")?.iter().enumerate() {
        let a_at = join(at, &format!("attributes[{i}]"));
        let Some(term) = a.get("taxonomy_term").filter(|t| t.is_object()) else { continue };
        let t_at = join(&a_at, "taxonomy_term");
        let code = opt_str(ctx, term, &t_at, "code")?.unwrap_or("");
        let name = opt_str(ctx, term, &t_at, "name")?.unwrap_or("");
        let taxonomy = opt_str(ctx, term, &t_at, "taxonomy")?.unwrap_or("");
        let value = opt_str(ctx, a, &a_at, "value")?.unwrap_or("");
        let found = if taxonomy == TAXONOMY {
            ours(code, value, vocab)
        } else {
            by_code_or_name(code, name, vocab)
        };
        if found.is_empty() {
            let reason = format!(
                "taxonomy term {code:?} ({name:?}, taxonomy {taxonomy:?}) maps to no filter value"
            );
            out.problem(
                HsdsProblemKind::Unmapped,
                &ctx.source.name,
                record,
                &ctx.at(a, &a_at, "taxonomy_term"),
                reason,
            );
        }
        targets.extend(found);
    }
    Ok(())
}

/// Our own codes (`level:iop`, `complete:level`, `schedule:weekend` = no, `hours_per_week`).
fn ours(code: &str, value: &str, vocab: &Vocabulary) -> Vec<AttrTarget> {
    let Some((kind, rest)) = code.split_once(':') else {
        return match (code, value.parse::<f32>()) {
            ("hours_per_week", Ok(h)) => vec![AttrTarget::HoursPerWeek(h)],
            ("duration_weeks", Ok(w)) => vec![AttrTarget::DurationWeeks(w)],
            ("accepting_new_clients", _) => vec![AttrTarget::Accepting(value == "true")],
            ("listing_id", _) => vec![AttrTarget::Note],
            _ => vec![],
        };
    };
    match (kind, kind.parse::<Group>()) {
        ("complete", _) => rest.parse().map(|g| vec![AttrTarget::Complete(g)]).unwrap_or_default(),
        // Unknown groups are what a listing has when nothing is said: nothing to apply.
        ("unknown", _) if rest.parse::<Group>().is_ok() => vec![AttrTarget::Note],
        ("virtual_state", _) if rest.len() == 2 => vec![AttrTarget::VirtualState(rest.to_owned())],
        ("schedule", _) if FACETS.contains(&rest) && value == "no" => {
            vec![AttrTarget::FacetNo(rest.to_owned())]
        }
        (_, Ok(g)) if vocab.contains(g, rest) => vec![AttrTarget::Value(g, rest.to_owned())],
        _ => vec![],
    }
}

/// Someone else's taxonomy term: an AIRS code, a vocabulary value or label, a SAMHSA name.
fn by_code_or_name(code: &str, name: &str, vocab: &Vocabulary) -> Vec<AttrTarget> {
    if let Some(row) = AirsMap::get().lookup(code.trim()).filter(|r| !r.targets.is_empty()) {
        return row.targets.iter().map(|(g, v)| AttrTarget::Value(*g, v.clone())).collect();
    }
    let samhsa = SamhsaVocabulary::get();
    if let Some(e) = samhsa.by_code(code).or_else(|| samhsa.by_name(name))
        && !e.targets.is_empty()
    {
        return e.targets.iter().map(|(g, v)| AttrTarget::Value(*g, v.clone())).collect();
    }
    let wanted = iop_core::vocabulary::normalize_name(name);
    for g in Group::ALL {
        for v in vocab.values(g) {
            let labels = [v.value.as_str(), v.label(Lang::En)];
            if labels.iter().any(|l| iop_core::vocabulary::normalize_name(l) == wanted) {
                return vec![AttrTarget::Value(g, v.value.clone())];
            }
        }
    }
    vec![]
}

fn apply_targets(l: &mut Listing, targets: &[AttrTarget]) {
    for t in targets {
        match t {
            AttrTarget::Value(Group::Schedule, v) => l.schedule.set_facet(v),
            AttrTarget::Value(g, v) => {
                if let Some(a) = l.attr_mut(*g) {
                    a.insert_partial(v.clone());
                }
            }
            AttrTarget::FacetNo(f) => {
                if !l.schedule.facets.contains(f) {
                    l.schedule.facets_not_offered.insert(f.clone());
                }
            }
            AttrTarget::HoursPerWeek(h) => l.schedule.hours_per_week = Some(*h),
            AttrTarget::DurationWeeks(w) => l.schedule.duration_weeks = Some(*w),
            AttrTarget::VirtualState(s) => {
                l.virtual_states.insert(s.clone());
            }
            AttrTarget::Accepting(b) => l.accepting_new_clients = Some(*b),
            AttrTarget::Complete(_) | AttrTarget::Note => {}
        }
    }
    // `complete:` after the values, so that a complete group with no values is a known "none".
    for t in targets {
        if let AttrTarget::Complete(g) = t
            && let Some(a) = l.attr_mut(*g)
        {
            a.mark_known();
        }
    }
}

/// The tables of the tabular form that are read; others are ignored.
const TABLES: [&str; 9] = [
    "services.csv",
    "organizations.csv",
    "service_at_location.csv",
    "locations.csv",
    "addresses.csv",
    "phones.csv",
    "schedules.csv",
    "languages.csv",
    "attributes.csv",
];

/// Reads the tabular form: a folder of HSDS 3.0 CSV tables (`services.csv` required). Rows are
/// assembled into nested documents and mapped as [`read_json`] maps them; errors name the CSV
/// file and line.
pub fn read_tabular(dir: &Path, source: &Hsds3Source, today: &str) -> Result<HsdsParsed> {
    let mut tables: HashMap<&str, Vec<Value>> = HashMap::new();
    for name in TABLES {
        let path = dir.join(name);
        if name != "services.csv" && !path.exists() {
            continue;
        }
        let required: &[&str] = if name == "services.csv" { &["id", "name"] } else { &["id"] };
        let t = Table::read(&path, required)?;
        let rows = t
            .rows
            .iter()
            .map(|(line, rec)| {
                let mut m = Map::new();
                for (h, v) in t.headers.iter().zip(rec.iter()) {
                    if !v.trim().is_empty() {
                        m.insert(h.clone(), Value::String(v.to_owned()));
                    }
                }
                m.insert("$file".into(), json!(name));
                m.insert("$line".into(), json!(line));
                Value::Object(m)
            })
            .collect();
        tables.insert(name, rows);
    }
    let terms: HashMap<String, Value> = match dir.join("taxonomy_terms.csv") {
        p if p.exists() => {
            let t = Table::read(&p, &["id"])?;
            let (id, code, name, tax) =
                (t.getter("id"), t.getter("code"), t.getter("name"), t.getter("taxonomy"));
            t.rows
                .iter()
                .map(|(_, r)| {
                    (
                        id(r),
                        json!({"id": id(r), "code": code(r), "name": name(r), "taxonomy": tax(r)}),
                    )
                })
                .collect()
        }
        _ => HashMap::new(),
    };
    let rows = |name: &str| tables.get(name).map(Vec::as_slice).unwrap_or(&[]);
    let by = |name: &str, key: &str| -> BTreeMap<String, Vec<Value>> {
        let mut m: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for r in rows(name) {
            if let Some(k) = r.get(key).and_then(Value::as_str) {
                m.entry(k.to_owned()).or_default().push(r.clone());
            }
        }
        m
    };
    let attributes = {
        let mut m: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for r in rows("attributes.csv") {
            let mut a = r.clone();
            if let (Some(o), Some(t)) = (
                a.as_object_mut(),
                r.get("taxonomy_term_id").and_then(Value::as_str).and_then(|t| terms.get(t)),
            ) {
                o.insert("taxonomy_term".into(), t.clone());
            }
            if let Some(k) = r.get("link_id").and_then(Value::as_str) {
                m.entry(k.to_owned()).or_default().push(a);
            }
        }
        m
    };
    let (orgs, locs) = (by("organizations.csv", "id"), by("locations.csv", "id"));
    let sals = by("service_at_location.csv", "service_id");
    let addresses = by("addresses.csv", "location_id");
    let empty = Vec::new();
    let with = |obj: &mut Value, key: &str, items: &[Value]| {
        if let Some(o) = obj.as_object_mut()
            && !items.is_empty()
        {
            o.insert(key.into(), Value::Array(items.to_vec()));
        }
    };
    let (phones_s, phones_l, phones_sal, phones_o) = (
        by("phones.csv", "service_id"),
        by("phones.csv", "location_id"),
        by("phones.csv", "service_at_location_id"),
        by("phones.csv", "organization_id"),
    );
    let (sched_s, sched_l, sched_sal) = (
        by("schedules.csv", "service_id"),
        by("schedules.csv", "location_id"),
        by("schedules.csv", "service_at_location_id"),
    );
    let (langs_s, langs_l) =
        (by("languages.csv", "service_id"), by("languages.csv", "location_id"));
    let get = |m: &BTreeMap<String, Vec<Value>>, k: &str| m.get(k).cloned().unwrap_or_default();
    let mut docs = Vec::new();
    for s in rows("services.csv") {
        let mut svc = s.clone();
        let sid = s.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        // A phone, schedule or language row linked to several levels (service and location)
        // would otherwise count twice: each row goes to the most specific level it names.
        let only = |rows: Vec<Value>, not: &[&str]| -> Vec<Value> {
            rows.into_iter().filter(|r| not.iter().all(|k| r.get(*k).is_none())).collect()
        };
        with(
            &mut svc,
            "phones",
            &only(get(&phones_s, &sid), &["service_at_location_id", "location_id"]),
        );
        with(
            &mut svc,
            "schedules",
            &only(get(&sched_s, &sid), &["service_at_location_id", "location_id"]),
        );
        with(&mut svc, "languages", &only(get(&langs_s, &sid), &["location_id"]));
        with(&mut svc, "attributes", attributes.get(&sid).unwrap_or(&empty));
        if let Some(oid) = s.get("organization_id").and_then(Value::as_str)
            && let Some(org) = orgs.get(oid).and_then(|v| v.first())
        {
            let mut org = org.clone();
            with(
                &mut org,
                "phones",
                &only(
                    get(&phones_o, oid),
                    &["service_id", "location_id", "service_at_location_id"],
                ),
            );
            if let Some(o) = svc.as_object_mut() {
                o.insert("organization".into(), org);
            }
        }
        let mut sal_docs = Vec::new();
        for sal in get(&sals, &sid) {
            let mut sal = sal.clone();
            let sal_id = sal.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
            with(&mut sal, "phones", &get(&phones_sal, &sal_id));
            with(&mut sal, "schedules", &get(&sched_sal, &sal_id));
            with(&mut sal, "attributes", attributes.get(&sal_id).unwrap_or(&empty));
            if let Some(lid) = sal.get("location_id").and_then(Value::as_str).map(str::to_owned)
                && let Some(loc) = locs.get(&lid).and_then(|v| v.first())
            {
                let mut loc = loc.clone();
                with(&mut loc, "addresses", &get(&addresses, &lid));
                with(&mut loc, "phones", &only(get(&phones_l, &lid), &["service_at_location_id"]));
                with(
                    &mut loc,
                    "schedules",
                    &only(get(&sched_l, &lid), &["service_at_location_id"]),
                );
                with(&mut loc, "languages", &get(&langs_l, &lid));
                with(&mut loc, "attributes", attributes.get(&lid).unwrap_or(&empty));
                if let Some(o) = sal.as_object_mut() {
                    o.insert("location".into(), loc);
                }
            }
            sal_docs.push(sal);
        }
        with(&mut svc, "service_at_locations", &sal_docs);
        docs.push(svc);
    }
    let ctx = Ctx { origin: Origin::Csv(dir.to_owned()), source, today };
    let mut out = HsdsParsed::default();
    for d in &docs {
        service_listings(&ctx, d, "", &mut out)?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Out.

/// A deterministic UUID (version 8, RFC 9562 "custom") for one of our ids: HSDS wants UUIDs,
/// and the same listing must get the same one on every export.
pub fn uuid_for(kind: &str, id: &str) -> String {
    let key = format!("{kind}:{id}");
    let a = iop_core::id::fnv1a64(key.as_bytes());
    let b = iop_core::id::fnv1a64(format!("{key}\u{1}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn phones_json(listing: &Listing, link: (&str, &str)) -> Vec<Value> {
    let p = &listing.phones;
    [("main", &p.main, "voice"), ("intake", &p.intake, "voice"), ("hotline", &p.hotline, "hotline")]
        .into_iter()
        .filter_map(|(what, n, kind)| {
            let n = n.as_ref()?;
            let mut v = json!({
                "id": uuid_for(&format!("phone:{what}:{}", link.0), &listing.id),
                "number": n,
                "type": kind,
                "description": what,
            });
            v[link.0] = json!(link.1);
            Some(v)
        })
        .collect()
}

fn schedule_json(listing: &Listing, link: (&str, &str)) -> Vec<Value> {
    listing
        .schedule
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let byday: Vec<String> = s.days.iter().map(|d| d.code().to_ascii_uppercase()).collect();
            let mut v = json!({
                "id": uuid_for(&format!("schedule:{i}"), &listing.id),
                "freq": "WEEKLY",
                "byday": byday.join(","),
                "opens_at": s.start,
                "closes_at": s.end,
                "notes": match s.kind { SessionKind::Program => "program", SessionKind::OfficeHours => "office_hours" },
            });
            v[link.0] = json!(link.1);
            if let Some(l) = &s.label {
                v["description"] = json!(l);
            }
            if let Some(f) = s.format {
                v["attending_type"] = json!(match f {
                    SessionFormat::InPerson => "in person",
                    SessionFormat::Virtual => "online",
                    SessionFormat::Hybrid => "hybrid",
                });
            }
            if let Some(d) = &s.valid_from {
                v["valid_from"] = json!(d);
            }
            if let Some(d) = &s.valid_to {
                v["valid_to"] = json!(d);
            }
            v
        })
        .collect()
}

/// The `iop-finder` taxonomy, as HSDS `taxonomy_detail`.
fn taxonomy_detail() -> Value {
    json!({
        "id": uuid_for("taxonomy", TAXONOMY),
        "name": TAXONOMY,
        "description": "IOP Finder's filter vocabulary and listing facts (crates/hsds/PROFILE.md)",
        "version": "1",
    })
}

fn attribute(listing_id: &str, service_id: &str, code: &str, name: &str, value: &str) -> Value {
    json!({
        "id": uuid_for(&format!("attribute:{code}"), listing_id),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": uuid_for("term", code),
        "value": value,
        "taxonomy_term": {
            "id": uuid_for("term", code),
            "code": code,
            "name": name,
            "description": name,
            "taxonomy": TAXONOMY,
            "taxonomy_detail": taxonomy_detail(),
        },
    })
}

fn attributes(listing: &Listing, service_id: &str) -> Vec<Value> {
    let vocab = Vocabulary::get();
    let mut out = vec![attribute(
        &listing.id,
        service_id,
        "listing_id",
        "IOP Finder listing id",
        &listing.id,
    )];
    let groups = [
        Group::Level,
        Group::Modality,
        Group::Medication,
        Group::Payment,
        Group::Population,
        Group::Language,
    ];
    for g in groups {
        let Some(attr) = listing.attr(g) else { continue };
        for v in attr.values() {
            let name = vocab.label(g, v, Lang::En);
            out.push(attribute(&listing.id, service_id, &format!("{g}:{v}"), name, "yes"));
        }
        match attr {
            Attr::Known(_) => {
                let name = format!("{}: complete list", g.label(Lang::En));
                out.push(attribute(
                    &listing.id,
                    service_id,
                    &format!("complete:{g}"),
                    &name,
                    "yes",
                ));
            }
            Attr::Unknown => {
                let name = format!("{}: not known", g.label(Lang::En));
                out.push(attribute(&listing.id, service_id, &format!("unknown:{g}"), &name, "yes"));
            }
            Attr::Partial(_) => {}
        }
    }
    for f in FACETS {
        let value = match listing.schedule.facet(f) {
            iop_core::listing::Tri::Yes => "yes",
            iop_core::listing::Tri::No => "no",
            iop_core::listing::Tri::Unknown => continue,
        };
        let name = vocab.label(Group::Schedule, f, Lang::En);
        out.push(attribute(&listing.id, service_id, &format!("schedule:{f}"), name, value));
    }
    if listing.schedule.is_unknown() {
        out.push(attribute(
            &listing.id,
            service_id,
            "unknown:schedule",
            "Schedule: not known",
            "yes",
        ));
    }
    if let Some(h) = listing.schedule.hours_per_week {
        out.push(attribute(
            &listing.id,
            service_id,
            "hours_per_week",
            "Hours per week",
            &h.to_string(),
        ));
    }
    if let Some(w) = listing.schedule.duration_weeks {
        out.push(attribute(
            &listing.id,
            service_id,
            "duration_weeks",
            "Duration in weeks",
            &w.to_string(),
        ));
    }
    for s in &listing.virtual_states {
        let name = format!("Serves {s} virtually");
        out.push(attribute(&listing.id, service_id, &format!("virtual_state:{s}"), &name, "yes"));
    }
    if let Some(a) = listing.accepting_new_clients {
        out.push(attribute(
            &listing.id,
            service_id,
            "accepting_new_clients",
            "Accepting new clients",
            &a.to_string(),
        ));
    }
    out
}

/// The organization of a listing. Listings are locations, not organizations, so the
/// organization is the listing's provider: its name, description and web site.
pub fn to_hsds_organization(listing: &Listing) -> Value {
    let id = uuid_for("organization", &listing.id);
    let mut org = json!({
        "id": id,
        "name": listing.name,
        "description": listing.description.clone().unwrap_or_else(|| listing.name.clone()),
    });
    if let Some(w) = &listing.website {
        org["website"] = json!(w);
    }
    let phones = phones_json(listing, ("organization_id", &id));
    if !phones.is_empty() {
        org["phones"] = json!(phones);
    }
    org
}

/// A listing as a full HSDS 3.0 service (see `crates/hsds/PROFILE.md`).
pub fn to_hsds_service(listing: &Listing) -> Value {
    let id = uuid_for("service", &listing.id);
    let org = to_hsds_organization(listing);
    let mut svc = json!({
        "id": id,
        "organization_id": org["id"],
        "name": listing.name,
        "status": if listing.stale { "inactive" } else { "active" },
        "organization": org,
    });
    let opt = |v: &Option<String>| v.as_ref().map(|s| json!(s));
    if let Some(v) = opt(&listing.alt_name) {
        svc["alternate_name"] = v;
    }
    if let Some(v) = opt(&listing.description) {
        svc["description"] = v;
    }
    if let Some(v) = opt(&listing.website) {
        svc["url"] = v;
    }
    if let Some(d) = &listing.last_verified {
        svc["assured_date"] = json!(d);
        svc["last_modified"] = json!(format!("{d}T00:00:00Z"));
    }
    let phones = phones_json(listing, ("service_id", &id));
    if !phones.is_empty() {
        svc["phones"] = json!(phones);
    }
    let languages: Vec<Value> = listing
        .languages
        .values()
        .map(|c| {
            json!({
                "id": uuid_for(&format!("language:{c}"), &listing.id),
                "service_id": id,
                "name": Vocabulary::get().label(Group::Language, c, Lang::En),
                "code": c,
            })
        })
        .collect();
    if !languages.is_empty() {
        svc["languages"] = json!(languages);
    }
    let loc_id = uuid_for("location", &listing.id);
    let sal_id = uuid_for("service_at_location", &listing.id);
    let mut location = json!({
        "id": loc_id,
        "location_type": "physical",
        "name": listing.name,
    });
    if let Some(p) = listing.location {
        location["latitude"] = json!(p.lat);
        location["longitude"] = json!(p.lon);
    }
    let a = &listing.address;
    if a.street.is_some() || a.city.is_some() || a.zip.is_some() {
        let mut addr = json!({
            "id": uuid_for("address", &listing.id),
            "location_id": loc_id,
            "address_1": a.street.clone().unwrap_or_default(),
            "city": a.city.clone().unwrap_or_default(),
            "state_province": a.state.clone().unwrap_or_default(),
            "postal_code": a.zip.clone().unwrap_or_default(),
            "country": "US",
            "address_type": "physical",
        });
        if let Some(s2) = &a.street2 {
            addr["address_2"] = json!(s2);
        }
        location["addresses"] = json!([addr]);
    }
    let mut sal = json!({
        "id": sal_id,
        "service_id": id,
        "location_id": loc_id,
        "location": location,
    });
    let schedules = schedule_json(listing, ("service_at_location_id", &sal_id));
    if !schedules.is_empty() {
        sal["schedules"] = json!(schedules);
    }
    svc["service_at_locations"] = json!([sal]);
    svc["attributes"] = json!(attributes(listing, &id));
    svc
}

/// The paging wrapper of the HSDS API (`/services?page=2&per_page=20`). `page` is 1-based.
pub fn page(contents: Vec<Value>, total_items: usize, page: usize, per_page: usize) -> Value {
    let per_page = per_page.max(1);
    let total_pages = total_items.div_ceil(per_page);
    let page = page.max(1);
    json!({
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("10:00:00"), Some((600, None)));
        assert_eq!(parse_clock("18:30"), Some((1110, None)));
        assert_eq!(parse_clock("09:00Z"), Some((540, Some(0))));
        assert_eq!(parse_clock("09:00:00-05:00"), Some((540, Some(-300))));
        assert_eq!(parse_clock("24:00"), Some((1440, None)));
        assert_eq!(parse_clock("25:00"), None);
        assert_eq!(parse_clock("9:00"), None);
        assert_eq!(parse_clock("09:60"), None);
    }

    #[test]
    fn attending_types() {
        use SessionFormat::*;
        assert_eq!(attending_format("online"), Some(Virtual));
        assert_eq!(attending_format("By phone"), Some(Virtual));
        assert_eq!(attending_format("in person"), Some(InPerson));
        assert_eq!(attending_format("hybrid"), Some(Hybrid));
        assert_eq!(attending_format("either"), Some(Hybrid));
        assert_eq!(
            attending_format(
                "You can attend this service in-person or remotely via video conferencing"
            ),
            Some(Hybrid)
        );
        assert_eq!(attending_format("walk in"), None);
    }

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let a = uuid_for("service", "m211-32f5123dff5bf4ee");
        assert_eq!(a, uuid_for("service", "m211-32f5123dff5bf4ee"));
        assert_ne!(a, uuid_for("location", "m211-32f5123dff5bf4ee"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version 8");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "variant");
    }

    #[test]
    fn paging() {
        let p = page(vec![json!({}), json!({})], 5, 3, 2);
        assert_eq!(p["total_pages"], 3);
        assert_eq!(p["size"], 2);
        assert_eq!(p["first_page"], false);
        assert_eq!(p["last_page"], true);
        assert_eq!(page(vec![], 0, 1, 20)["empty"], true);
    }
}
