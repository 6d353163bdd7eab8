//! Normalising and checking one listing: ZIP, state, coordinates, phones, web site, name.
//!
//! [`validate`] takes a listing as a parser made it (raw phone strings, raw ZIP, raw web site,
//! coordinates as published) and returns it clean, or rejects it, with a [`Problem`] for every
//! repair or rejection, naming source, record number, field and reason. The repairs are the
//! certain ones: a ZIP that lost its leading zeros, a ZIP+4, a state written out in full, a
//! latitude and longitude given the wrong way round (only when the swapped point lands in the
//! listing's own state), a missing URL scheme. What cannot be repaired with certainty is
//! dropped, never guessed: a listing loses a bad phone number but keeps its other facts.
//!
//! Every listing that goes through has a location: its own point, or else the centroid of its
//! ZIP (or of its city) marked `approximate: true`. A listing that cannot be placed at all is
//! rejected, because a search engine by distance cannot show it.
//!
//! Provenance: every parsed listing has one source, so [`validate`] first stamps every field it
//! states with that source ([`Listing::stamp_provenance`]); a repair that computes a value says
//! so: a centroid point comes from `derived:zip-centroid` or `derived:city-centroid`, a state
//! filled in from the ZIP or the point adds `derived:state-from-zip` or
//! `derived:state-from-point` to the address. A dropped value loses its provenance.

use iop_core::distance::haversine_m;
use iop_core::provenance::{
    DERIVED_CITY_CENTROID, DERIVED_STATE_FROM_POINT, DERIVED_STATE_FROM_ZIP, DERIVED_ZIP_CENTROID,
};
use iop_core::{Field, Listing, Location, phone, states};
use iop_geo::Geocoder;

use crate::source::{Problem, ProblemKind};

/// How far (metres) a point may lie from its address's ZIP or city centroid when the state
/// shapes put it in another state: beyond this the point is taken to be wrong. Facilities near
/// a border legitimately sit a few kilometres from a centroid across the line, and the
/// simplified 1:10m state shapes are off by up to a kilometre or two.
pub const STATE_MISMATCH_M: f64 = 50_000.0;

/// Validates and normalises one listing from `source`, record number `record`.
///
/// Returns the listing (or `None` when it is rejected) and every problem found, in field order.
pub fn validate(
    mut listing: Listing,
    source: &str,
    record: usize,
    geo: &Geocoder,
) -> (Option<Listing>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut report = |kind: ProblemKind, field: &str, reason: String| {
        problems.push(Problem {
            kind,
            source: source.to_owned(),
            record,
            field: field.to_owned(),
            reason,
        });
    };
    trim_text(&mut listing);
    listing.stamp_provenance();

    // Name.
    if listing.name.is_empty() {
        report(ProblemKind::Rejected, "name", "the name is empty".into());
        return (None, problems);
    }

    // Street: placeholders such as "- - -" are no address.
    if let Some(street) = &listing.address.street
        && !street.chars().any(char::is_alphanumeric)
    {
        report(
            ProblemKind::Repaired,
            "address.street",
            format!("street {street:?} is a placeholder: dropped"),
        );
        listing.address.street = None;
    }

    // ZIP.
    if let Some(raw) = listing.address.zip.take() {
        match normalize_zip(&raw) {
            Ok((zip, repair)) => {
                if let Some(reason) = repair {
                    report(ProblemKind::Repaired, "address.zip", reason);
                }
                if geo.zip_exists(&zip) {
                    listing.address.zip = Some(zip);
                } else {
                    report(
                        ProblemKind::Repaired,
                        "address.zip",
                        format!("ZIP {zip} is not a known ZIP code: dropped"),
                    );
                }
            }
            Err(reason) => report(ProblemKind::Repaired, "address.zip", reason),
        }
    }

    // State, from the address; from the ZIP when the address has none (or a bad one).
    let raw_state = listing.address.state.take();
    let mut bad_state = None;
    if let Some(raw) = &raw_state {
        if let Some(st) = states::by_code(raw) {
            if raw != st.code {
                report(
                    ProblemKind::Repaired,
                    "address.state",
                    format!("state {raw:?} written as {:?}", st.code),
                );
            }
            listing.address.state = Some(st.code.to_owned());
        } else if let Some(st) = states::by_name(raw) {
            report(
                ProblemKind::Repaired,
                "address.state",
                format!("state name {raw:?} replaced by its code {:?}", st.code),
            );
            listing.address.state = Some(st.code.to_owned());
        } else {
            bad_state = Some(raw.clone());
        }
    }
    if listing.address.state.is_none()
        && let Some(code) = listing.address.zip.as_deref().and_then(|z| geo.zip_state(z))
    {
        let why = why_state_is_filled(bad_state.as_deref());
        report(
            ProblemKind::Repaired,
            "address.state",
            format!(
                "{why}: set to {code} from ZIP {}",
                listing.address.zip.as_deref().unwrap_or_default()
            ),
        );
        listing.address.state = Some(code.to_owned());
        listing.provenance.add(Field::Address, DERIVED_STATE_FROM_ZIP);
        bad_state = None;
    }

    // Coordinates.
    if let Some(loc) = listing.location.take() {
        let (lat, lon) = (loc.lat, loc.lon);
        let state = listing.address.state.as_deref();
        let lands_in_state = |la: f64, lo: f64| state.is_some() && geo.state_near(la, lo) == state;
        if !lat.is_finite() || !lon.is_finite() {
            report(
                ProblemKind::Repaired,
                "location",
                format!("({lat}, {lon}) is not a point: dropped"),
            );
        } else if lat == 0.0 && lon == 0.0 {
            report(
                ProblemKind::Repaired,
                "location",
                "(0, 0) is a placeholder, not the facility's position: dropped".into(),
            );
        } else if in_range(lat, lon) && geo.in_us(lat, lon) {
            listing.location = Some(Location { lat, lon, approximate: loc.approximate });
        } else if in_range(lon, lat) && geo.in_us(lon, lat) && lands_in_state(lon, lat) {
            report(
                ProblemKind::Repaired,
                "location",
                format!(
                    "latitude and longitude were swapped: ({lat}, {lon}) read as ({lon}, {lat}), \
                     which is in {}",
                    state.unwrap_or_default()
                ),
            );
            listing.location = Some(Location { lat: lon, lon: lat, approximate: loc.approximate });
        } else if !in_range(lat, lon) {
            report(
                ProblemKind::Repaired,
                "location",
                format!(
                    "({lat}, {lon}) is out of range (latitude -90..90, longitude -180..180): dropped"
                ),
            );
        } else {
            report(
                ProblemKind::Repaired,
                "location",
                format!(
                    "({lat}, {lon}) is outside the US and its territories (at sea or abroad): dropped"
                ),
            );
        }
    }

    // The state, from the point, when neither the address nor the ZIP gives one.
    if listing.address.state.is_none()
        && let Some(code) = listing.location.and_then(|l| geo.state_at(l.lat, l.lon))
    {
        let why = why_state_is_filled(bad_state.as_deref());
        report(
            ProblemKind::Repaired,
            "address.state",
            format!("{why}: set to {code} from the coordinates"),
        );
        listing.address.state = Some(code.to_owned());
        listing.provenance.add(Field::Address, DERIVED_STATE_FROM_POINT);
        bad_state = None;
    }
    if let Some(raw) = bad_state {
        report(
            ProblemKind::Rejected,
            "address.state",
            format!(
                "state {raw:?} is not a US state or territory code, and neither a ZIP nor \
                 coordinates place the listing"
            ),
        );
        return (None, problems);
    }

    // A point in another state than its address, far from the address: the point is wrong.
    if let (Some(loc), Some(state)) = (listing.location, listing.address.state.as_deref())
        && let Some(at) = geo.state_at(loc.lat, loc.lon).filter(|at| *at != state)
        && let Some((c, what, derived)) = centroid(geo, &listing)
    {
        let d = haversine_m(loc.lat, loc.lon, c.lat, c.lon);
        if d > STATE_MISMATCH_M {
            report(
                ProblemKind::Repaired,
                "location",
                format!(
                    "({}, {}) is in {at}, {:.0} km from {what} in {state}: replaced by that \
                     centroid (approximate)",
                    loc.lat,
                    loc.lon,
                    d / 1000.0
                ),
            );
            listing.location = Some(c);
            listing.provenance.set(Field::Location, derived);
        }
    }

    // A listing without a point goes to its ZIP's or city's centroid, flagged approximate.
    if listing.location.is_none() {
        match centroid(geo, &listing) {
            Some((c, _, derived)) => {
                listing.location = Some(c);
                listing.provenance.set(Field::Location, derived);
            }
            None => {
                report(
                    ProblemKind::Rejected,
                    "location",
                    "cannot be placed: no usable coordinates, and no known ZIP code or city".into(),
                );
                return (None, problems);
            }
        }
    }

    // Phones.
    for (field, slot) in [
        ("phones.main", &mut listing.phones.main),
        ("phones.intake", &mut listing.phones.intake),
        ("phones.hotline", &mut listing.phones.hotline),
    ] {
        let Some(raw) = slot.take() else { continue };
        let raw = raw.trim().to_owned();
        if raw.is_empty() {
            continue;
        }
        match phone::normalize(&raw) {
            Ok(e164) => *slot = Some(e164),
            Err(e) => report(ProblemKind::Repaired, field, format!("{e}: dropped")),
        }
    }

    // Web site.
    if let Some(raw) = listing.website.take() {
        match normalize_url(&raw) {
            Ok((url, added_scheme)) => {
                if added_scheme {
                    report(
                        ProblemKind::Repaired,
                        "website",
                        format!("{raw:?} has no scheme: written as {url:?}"),
                    );
                }
                listing.website = Some(url);
            }
            Err(reason) => report(ProblemKind::Repaired, "website", format!("{reason}: dropped")),
        }
    }

    // What was dropped above loses its provenance.
    listing.stamp_provenance();
    (Some(listing), problems)
}

/// The centroid of the listing's ZIP, else of its city, as an approximate location, with a
/// description of what it is (for problem reports) and its provenance key.
fn centroid(geo: &Geocoder, listing: &Listing) -> Option<(Location, String, &'static str)> {
    let a = &listing.address;
    if let Some(zip) = a.zip.as_deref()
        && let Some(p) = geo.zip(zip)
    {
        let at = Location { lat: p.lat, lon: p.lon, approximate: true };
        return Some((at, format!("ZIP {zip}"), DERIVED_ZIP_CENTROID));
    }
    if let (Some(city), Some(state)) = (a.city.as_deref(), a.state.as_deref())
        && let Some(p) = geo.city(city, state)
    {
        let at = Location { lat: p.lat, lon: p.lon, approximate: true };
        return Some((at, format!("the centre of {city}, {state}"), DERIVED_CITY_CENTROID));
    }
    None
}

/// Why the state is filled in from the ZIP or the point: the one reason, worded once for both.
fn why_state_is_filled(bad_state: Option<&str>) -> String {
    match bad_state {
        Some(raw) => format!("state {raw:?} is not a US state or territory code"),
        None => "the state is missing".to_owned(),
    }
}

fn in_range(lat: f64, lon: f64) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// Trims every text field; empty optional text becomes `None`.
fn trim_text(listing: &mut Listing) {
    fn opt(s: &mut Option<String>) {
        if let Some(v) = s {
            let t = v.trim();
            if t.is_empty() {
                *s = None;
            } else if t.len() != v.len() {
                *v = t.to_owned();
            }
        }
    }
    let trimmed = listing.name.trim();
    if trimmed.len() != listing.name.len() {
        listing.name = trimmed.to_owned();
    }
    opt(&mut listing.alt_name);
    opt(&mut listing.description);
    opt(&mut listing.website);
    let a = &mut listing.address;
    for f in [&mut a.street, &mut a.street2, &mut a.city, &mut a.state, &mut a.zip] {
        opt(f);
    }
}

/// A five-digit ZIP from what a source wrote, with the reason when it had to be repaired, or
/// why it is no ZIP at all.
pub fn normalize_zip(raw: &str) -> Result<(String, Option<String>), String> {
    let s = raw.trim();
    let (main, plus4) = match s.split_once('-') {
        Some((m, p)) => (m.trim(), Some(p.trim())),
        None if s.len() == 9 => (&s[..5], Some(&s[5..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(main) || plus4.is_some_and(|p| !digits(p) || p.len() > 4) {
        return Err(format!("ZIP {raw:?} is not a ZIP code (digits only): dropped"));
    }
    let mut repairs = Vec::new();
    let zip = match main.len() {
        5 => main.to_owned(),
        3 | 4 => {
            repairs
                .push(format!("lost its leading zeros (stored as a number): padded to {main:0>5}"));
            format!("{main:0>5}")
        }
        _ => return Err(format!("ZIP {raw:?} does not have 5 digits: dropped")),
    };
    if plus4.is_some() {
        repairs.push(format!("ZIP+4 cut to {zip}"));
    }
    let repair = (!repairs.is_empty()).then(|| format!("ZIP {raw:?} {}", repairs.join("; ")));
    Ok((zip, repair))
}

/// A well-formed http(s) URL, and whether `http://` had to be added; or why it is none.
pub fn normalize_url(raw: &str) -> Result<(String, bool), String> {
    let s = raw.trim();
    let bad = || format!("website {raw:?} is not a valid http(s) URL");
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = s.to_ascii_lowercase();
    let (url, rest, added) = if let Some(rest) = lower.strip_prefix("https://") {
        (format!("https://{}", &s[8..]), rest.len(), false)
    } else if lower.starts_with("http://") {
        (format!("http://{}", &s[7..]), lower.len() - 7, false)
    } else if lower.contains("://") || lower.starts_with("mailto:") {
        return Err(bad());
    } else {
        (format!("http://{s}"), s.len(), true)
    };
    let after_scheme = &url[url.len() - rest..];
    let host_port = after_scheme.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return Err(bad()),
        None => host_port,
    };
    let labels_ok = host.split('.').all(|l| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let tld_ok = host
        .rsplit('.')
        .next()
        .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()));
    if !host.contains('.') || !labels_ok || !tld_ok {
        return Err(bad());
    }
    Ok((url, added))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips() {
        assert_eq!(normalize_zip("22902"), Ok(("22902".into(), None)));
        let (z, r) = normalize_zip("6708").unwrap();
        assert_eq!(z, "06708");
        assert!(r.unwrap().contains("padded"));
        let (z, r) = normalize_zip("99654-8525").unwrap();
        assert_eq!(z, "99654");
        assert!(r.unwrap().contains("ZIP+4"));
        assert_eq!(normalize_zip("229021234").unwrap().0, "22902");
        assert_eq!(normalize_zip("6082-1234").unwrap().0, "06082");
        assert!(normalize_zip("2290A").is_err());
        assert!(normalize_zip("12").is_err());
        assert!(normalize_zip("123456").is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("www.regionten.org"),
            Ok(("http://www.regionten.org".into(), true))
        );
        assert_eq!(
            normalize_url("HTTPS://Example.org/a?b=c"),
            Ok(("https://Example.org/a?b=c".into(), false))
        );
        assert_eq!(normalize_url("http://x.org:8080/"), Ok(("http://x.org:8080/".into(), false)));
        assert!(normalize_url("not a url").is_err());
        assert!(normalize_url("info@x.org").is_err());
        assert!(normalize_url("ftp://x.org").is_err());
        assert!(normalize_url("http://localhost").is_err());
        assert!(normalize_url("http://").is_err());
    }
}
