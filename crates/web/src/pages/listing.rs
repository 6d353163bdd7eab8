//! The listing page (`GET /listings/{id}`): everything the records say, what they do not, where
//! each fact comes from, the weekly timetable, and schema.org data for search engines.
//!
//! Where each fact comes from: beside every fact the records state, a short line names the
//! sources that state it (the listing's provenance, [`iop_core::provenance`]) with their
//! retrieval date, or says that IOP Finder worked it out (a ZIP code's centre as the map
//! point); each name links to its row in the sources table at the foot of the page. A fact no
//! source states shows "not on file" and no source line.

use iop_core::listing::Tri;
use iop_core::provenance::{
    DERIVED_CITY_CENTROID, DERIVED_STATE_FROM_POINT, DERIVED_STATE_FROM_ZIP, DERIVED_ZIP_CENTROID,
    is_derived,
};
use iop_core::schedule::{FACETS, parse_hhmm};
use iop_core::{Field, Group, Listing, Session, SessionFormat, SessionKind, Vocabulary, Weekday};
use maud::{Markup, PreEscaped, html};
use serde_json::{Value, json};

use super::common::{address_line, group_value, label_or_value, outbound_links, tel};
use super::layout::Ctx;
use super::map::{self, Pin};
use super::url::QueryPairs;
use crate::i18n::{self, Lang, Msg};

/// The page body.
pub fn listing_body(ctx: &Ctx, l: &Listing) -> Markup {
    let lang = ctx.lang;
    let addr = address_line(l);
    let referral = ctx.link("/referral", &QueryPairs::from_pairs([("ids", l.id.as_str())]));
    html! {
        article #listing data-test="listing" data-id=(l.id) {
            h1 { (l.name) }
            @if let Some(alt) = &l.alt_name { p .alt { (alt) } }
            @if l.stale { p .stale data-test="stale" { (ctx.t(Msg::Stale)) } }
            @match l.accepting_new_clients {
                Some(true) => p { strong { (ctx.t(Msg::Accepting)) } (from(ctx, l, Field::AcceptingNewClients)) },
                Some(false) => p .stale { (ctx.t(Msg::NotAccepting)) (from(ctx, l, Field::AcceptingNewClients)) },
                None => {},
            }
            @if let Some(d) = &l.description { p { (d) (from(ctx, l, Field::Description)) } }
            section aria-labelledby="contact-h" {
                h2 #contact-h { (ctx.t(Msg::Contact)) }
                dl .facts {
                    @if !addr.is_empty() {
                        dt { (ctx.t(Msg::Address)) }
                        dd {
                            (addr)
                            @if l.location.is_some_and(|loc| loc.approximate) { " (" (ctx.t(Msg::Approximate)) ")" }
                            (from(ctx, l, Field::Address))
                            // The point only when others than the address's sources place it.
                            @if !l.provenance.keys(Field::Location).eq(l.provenance.keys(Field::Address)) {
                                (from_about(ctx, l, Field::Location, Some(ctx.t(Msg::MapPoint))))
                            }
                        }
                    }
                    @for (label, number, field) in [(Msg::Main, &l.phones.main, Field::PhoneMain), (Msg::Intake, &l.phones.intake, Field::PhoneIntake), (Msg::Hotline, &l.phones.hotline, Field::PhoneHotline)] {
                        @if let Some(n) = number {
                            dt { (ctx.t(label)) }
                            dd data-test="phone" { (tel(n)) (from(ctx, l, field)) }
                        }
                    }
                }
                p .acts { (outbound_links(ctx, l)) a href=(referral) data-test="add-referral" { (ctx.t(Msg::AddToReferral)) } }
                @if l.website.is_some() { p { (from_about(ctx, l, Field::Website, Some(ctx.t(Msg::Website)))) } }
                @if let Some(loc) = l.location {
                    (map::results_map(&[Pin { n: 1, lat: loc.lat, lon: loc.lon }], None, map::Labels {
                        title: &l.name, desc: &addr, place: None,
                    }, map::Zoom::Region))
                }
            }
            section aria-labelledby="facts-h" {
                h2 #facts-h { (ctx.t(Msg::ListingDetails)) }
                p .note { strong { (ctx.t(Msg::NotOnFile)) } ": " (ctx.t(Msg::NotOnFileHint)) }
                dl .facts data-test="facts" {
                    dt { (Group::Level.label(lang)) }
                    dd data-group="level" { (levels(ctx, l)) (from(ctx, l, Field::Levels)) }
                    @for g in [Group::Payment, Group::Population, Group::Language, Group::Modality, Group::Medication] {
                        dt { (g.label(lang)) }
                        dd data-group=(g.as_str()) { (group_value(ctx, l, g)) (from(ctx, l, Field::of_group(g))) }
                    }
                    @if !l.virtual_states.is_empty() {
                        dt { (ctx.t(Msg::VirtualStates)) }
                        dd { (l.virtual_states.iter().map(String::as_str).collect::<Vec<_>>().join(", ")) (from(ctx, l, Field::VirtualStates)) }
                    }
                    @if !l.services.is_empty() {
                        dt { (ctx.t(Msg::Services)) }
                        dd {
                            // Sources can name dozens: shown on request.
                            details {
                                summary { (i18n::show_all(lang, l.services.len())) }
                                p { (l.services.join(" · ")) }
                            }
                            (from(ctx, l, Field::Services))
                        }
                    }
                }
            }
            (schedule(ctx, l))
            section aria-labelledby="sources-h" {
                h2 #sources-h { (ctx.t(Msg::SourcesHeading)) }
                p data-test="last-verified" {
                    @match &l.last_verified {
                        Some(d) => { (ctx.t(Msg::LastVerified)) ": " time datetime=(d) { (d) } },
                        None => (ctx.t(Msg::NeverVerified)),
                    }
                }
                div .table tabindex="0" role="region" aria-labelledby="sources-c" {
                    table data-test="sources" {
                        caption #sources-c .sr { (ctx.t(Msg::SourceName)) }
                        thead { tr {
                            th scope="col" { (ctx.t(Msg::SourceName)) }
                            th scope="col" { (ctx.t(Msg::RecordId)) }
                            th scope="col" { (ctx.t(Msg::Retrieved)) }
                            th scope="col" { (ctx.t(Msg::License)) }
                        } }
                        tbody {
                            @for (i, s) in l.sources.iter().enumerate() {
                                tr #(source_anchor(i)) {
                                    td { (source_name(lang, &s.name)) }
                                    td { code { (s.record_id) } }
                                    td { (s.retrieved.as_deref().unwrap_or("—")) }
                                    td { (s.license.as_deref().unwrap_or("—")) }
                                }
                            }
                        }
                    }
                }
                p .note { (ctx.t(Msg::FooterCheck)) }
            }
            (json_ld(l))
        }
    }
}

/// Levels of care with their ASAM level.
fn levels(ctx: &Ctx, l: &Listing) -> Markup {
    let vocab = Vocabulary::get();
    let values: Vec<String> = l
        .levels
        .values()
        .map(|v| {
            let label = label_or_value(ctx.lang, Group::Level, v);
            match vocab.asam_level(v) {
                Some(a) => format!("{label} ({} {a})", ctx.t(Msg::AsamLevel)),
                None => label,
            }
        })
        .collect();
    html! {
        @match &l.levels {
            iop_core::Attr::Unknown => span .unk data-test="not-on-file" { (ctx.t(Msg::NotOnFile)) },
            iop_core::Attr::Partial(_) => { em { (ctx.t(Msg::AtLeast)) ": " } (values.join(", ")) },
            iop_core::Attr::Known(_) if values.is_empty() => (ctx.t(Msg::NoneListed)),
            iop_core::Attr::Known(_) => (values.join(", ")),
        }
    }
}

/// The schedule: each facet yes / no / not on file, hours, length, and the weekly timetable.
fn schedule(ctx: &Ctx, l: &Listing) -> Markup {
    let s = &l.schedule;
    let lang = ctx.lang;
    html! {
        section aria-labelledby="schedule-h" {
            h2 #schedule-h { (ctx.t(Msg::ScheduleHeading)) }
            @if l.provenance.has(Field::Schedule) { p { (from(ctx, l, Field::Schedule)) } }
            dl .facts data-test="schedule" {
                @for f in FACETS {
                    dt { (label_or_value(lang, Group::Schedule, f)) }
                    dd data-facet=(f) {
                        @match s.facet(f) {
                            Tri::Yes => (ctx.t(Msg::Yes)),
                            Tri::No => (ctx.t(Msg::No)),
                            Tri::Unknown => span .unk data-test="not-on-file" { (ctx.t(Msg::NotOnFile)) },
                        }
                    }
                }
                @if let Some(h) = s.hours_per_week {
                    dt { (ctx.t(Msg::HoursPerWeek)) }
                    dd { (i18n::miles_number(lang, f64::from(h))) }
                }
                @if let Some(w) = s.duration_weeks {
                    dt { (ctx.t(Msg::DurationWeeks)) }
                    dd { (i18n::weeks(lang, w)) }
                }
                @if let Some(t) = &s.hours_text {
                    dt { (ctx.t(Msg::HoursAsWritten)) }
                    dd { (t) }
                }
            }
            @if !s.sessions.is_empty() { (timetable(ctx, &s.sessions)) }
        }
    }
}

/// Sessions as rows, days as columns; a cell holds the time when the session meets that day.
fn timetable(ctx: &Ctx, sessions: &[Session]) -> Markup {
    let lang = ctx.lang;
    html! {
        div .table tabindex="0" role="region" aria-labelledby="timetable-c" {
            table data-test="timetable" {
                caption #timetable-c { (ctx.t(Msg::Timetable)) }
                thead { tr {
                    th scope="col" { (ctx.t(Msg::SessionCol)) }
                    @for d in Weekday::ALL {
                        th scope="col" { abbr title=(i18n::weekday_long(lang, d)) { (i18n::weekday(lang, d)) } }
                    }
                } }
                tbody {
                    @for s in sessions {
                        @let time = format!("{}–{}", clock(lang, &s.start), clock(lang, &s.end));
                        tr data-kind=(kind_code(s.kind)) {
                            th scope="row" {
                                @if let Some(label) = &s.label { (label) br; }
                                (ctx.t(match s.kind { SessionKind::Program => Msg::ProgramSession, SessionKind::OfficeHours => Msg::OfficeHours }))
                                @if let Some(f) = s.format { ", " (ctx.t(format_msg(f))) }
                                @if s.valid_from.is_some() || s.valid_to.is_some() {
                                    br;
                                    span .note { (s.valid_from.as_deref().unwrap_or("")) " – " (s.valid_to.as_deref().unwrap_or("")) }
                                }
                            }
                            @for d in Weekday::ALL {
                                @if s.days.contains(&d) { td .on { (time) } } @else { td { span .sr { "—" } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn kind_code(k: SessionKind) -> &'static str {
    match k {
        SessionKind::Program => "program",
        SessionKind::OfficeHours => "office_hours",
    }
}

fn format_msg(f: SessionFormat) -> Msg {
    match f {
        SessionFormat::InPerson => Msg::InPerson,
        SessionFormat::Virtual => Msg::VirtualFormat,
        SessionFormat::Hybrid => Msg::Hybrid,
    }
}

/// `18:30` -> `6:30 pm` in English; 24-hour in Spanish. Malformed times are shown as given.
pub fn clock(lang: Lang, hhmm: &str) -> String {
    let Some(min) = parse_hhmm(hhmm) else { return hhmm.to_owned() };
    let (h, m) = (min / 60, min % 60);
    match lang {
        Lang::Es => format!("{h}:{m:02}"),
        Lang::En => {
            let suffix = if (12..24).contains(&h) { "pm" } else { "am" };
            let h12 = match h % 12 {
                0 => 12,
                x => x,
            };
            format!("{h12}:{m:02} {suffix}")
        }
    }
}

/// The readable name of a source, by its short name (the `SOURCE` / `SOURCE_NAME` constants of
/// the ingest and HSDS readers); `None` for a name we do not know.
pub fn source_label(lang: Lang, code: &str) -> Option<&'static str> {
    // (short name, English, Spanish)
    const KNOWN: &[(&str, &str, &str)] = &[
        ("samhsa-findtreatment", "SAMHSA FindTreatment.gov", "SAMHSA FindTreatment.gov"),
        (
            "samhsa-findtreatment-2025-ca",
            "SAMHSA FindTreatment.gov (California, 2025)",
            "SAMHSA FindTreatment.gov (California, 2025)",
        ),
        (
            "samhsa-locator-2018",
            "SAMHSA Treatment Locator (2018)",
            "Localizador de tratamiento de SAMHSA (2018)",
        ),
        (
            "samhsa-locator-2021",
            "SAMHSA national directory (2021)",
            "Directorio nacional de SAMHSA (2021)",
        ),
        (
            "samhsa-otp-2021",
            "SAMHSA opioid treatment program directory (2021)",
            "Directorio de programas de tratamiento de opioides de SAMHSA (2021)",
        ),
        ("ca-dhcs", "California DHCS", "DHCS de California"),
        ("nppes", "NPPES (CMS provider registry)", "NPPES (registro de proveedores de CMS)"),
        ("miami-211", "2-1-1 Miami (Open Referral)", "2-1-1 Miami (Open Referral)"),
        (
            "ohana-smc",
            "Ohana API, San Mateo County (Open Referral)",
            "Ohana API, condado de San Mateo (Open Referral)",
        ),
        ("program-sheet", "Curated program sheet", "Ficha de programa revisada"),
        ("hsds3", "Open Referral HSDS 3.0 data", "Datos Open Referral HSDS 3.0"),
    ];
    KNOWN.iter().find(|(k, _, _)| *k == code).map(|(_, en, es)| match lang {
        Lang::En => *en,
        Lang::Es => *es,
    })
}

/// A readable name for a source's short name; unknown names are shown as they are.
pub fn source_name(lang: Lang, code: &str) -> String {
    source_label(lang, code).map_or_else(|| code.to_owned(), str::to_owned)
}

/// The id of the sources table row of `l.sources[index]`.
fn source_anchor(index: usize) -> String {
    format!("src-{}", index + 1)
}

/// What one source line names: a source (its records of one retrieval date) or a derivation.
enum Origin<'a> {
    /// Records of one source with one date: the first record's position in `sources`.
    Source { first: usize, name: &'a str, records: usize, date: Option<&'a str> },
    /// A fact IOP Finder worked out.
    Derived(&'a str),
}

/// The origins of `field`, in the order of the listing's sources (best first), then the
/// derivations.
fn origins(l: &Listing, field: Field) -> Vec<Origin<'_>> {
    let mut out: Vec<Origin<'_>> = Vec::new();
    let keys: Vec<&str> = l.provenance.keys(field).collect();
    for (i, s) in l.sources.iter().enumerate() {
        if !keys.contains(&s.key().as_str()) {
            continue;
        }
        let date = s.retrieved.as_deref();
        let same = out.iter_mut().find_map(|o| match o {
            Origin::Source { name, records, date: d, .. } if *name == s.name && *d == date => {
                Some(records)
            }
            _ => None,
        });
        match same {
            Some(records) => *records += 1,
            None => out.push(Origin::Source { first: i, name: &s.name, records: 1, date }),
        }
    }
    out.extend(keys.into_iter().filter(|k| is_derived(k)).map(Origin::Derived));
    out
}

/// The source line of `field` (nothing when no source states it).
fn from(ctx: &Ctx, l: &Listing, field: Field) -> Markup {
    from_about(ctx, l, field, None)
}

/// The source line of `field`, after `subject` when the line is about one part of a fact
/// ("Map point"). A known source is named and linked to its row in the sources table, with
/// its retrieval date (a program sheet's: its confirmation date); a derivation says what IOP
/// Finder worked out.
fn from_about(ctx: &Ctx, l: &Listing, field: Field, subject: Option<&str>) -> Markup {
    let origins = origins(l, field);
    if origins.is_empty() {
        return html! {};
    }
    let lang = ctx.lang;
    let label = if origins.len() == 1 { Msg::SourceName } else { Msg::SourcesLabel };
    html! {
        small .src data-test="provenance" data-field=(field.as_str()) {
            @if let Some(s) = subject { (s) " · " }
            (ctx.t(label)) ": "
            @for (i, o) in origins.iter().enumerate() {
                @if i > 0 { "; " }
                @match o {
                    Origin::Source { first, name, records, date } => {
                        a href={ "#" (source_anchor(*first)) } { (source_name(lang, name)) }
                        @if *records > 1 { " (" (i18n::records(lang, *records)) ")" }
                        @if let Some(d) = date {
                            ", "
                            (ctx.t(if *name == "program-sheet" { Msg::ConfirmedOn } else { Msg::RetrievedOn }))
                            " " time datetime=(d) { (d) }
                        }
                    }
                    Origin::Derived(key) => (derived_text(ctx, key)),
                }
            }
        }
    }
}

/// What a derived provenance key says, in words (an unknown one as it is).
fn derived_text<'a>(ctx: &Ctx, key: &'a str) -> &'a str {
    match key {
        DERIVED_ZIP_CENTROID => ctx.t(Msg::DerivedZipCentroid),
        DERIVED_CITY_CENTROID => ctx.t(Msg::DerivedCityCentroid),
        DERIVED_STATE_FROM_ZIP => ctx.t(Msg::DerivedStateFromZip),
        DERIVED_STATE_FROM_POINT => ctx.t(Msg::DerivedStateFromPoint),
        other => other,
    }
}

/// The listing as schema.org `MedicalClinic` JSON-LD.
pub fn json_ld_value(l: &Listing) -> Value {
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": l.name,
    });
    let obj = v.as_object_mut().expect("json! of an object literal is an object");
    if let Some(alt) = &l.alt_name {
        obj.insert("alternateName".into(), json!(alt));
    }
    if let Some(d) = &l.description {
        obj.insert("description".into(), json!(d));
    }
    let a = &l.address;
    if a.street.is_some() || a.city.is_some() || a.zip.is_some() {
        let street = [a.street.as_deref(), a.street2.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let mut addr = json!({ "@type": "PostalAddress", "addressCountry": "US" });
        let ao = addr.as_object_mut().expect("object literal");
        for (k, val) in [
            ("streetAddress", Some(street).filter(|s| !s.is_empty())),
            ("addressLocality", a.city.clone()),
            ("addressRegion", a.state.clone()),
            ("postalCode", a.zip.clone()),
        ] {
            if let Some(val) = val {
                ao.insert(k.into(), json!(val));
            }
        }
        obj.insert("address".into(), addr);
    }
    if let Some(loc) = l.location {
        obj.insert(
            "geo".into(),
            json!({ "@type": "GeoCoordinates", "latitude": loc.lat, "longitude": loc.lon }),
        );
    }
    if let Some(p) = l.phones.main.as_ref().or(l.phones.intake.as_ref()) {
        obj.insert("telephone".into(), json!(p));
    }
    if let Some(w) = l.website.as_deref().filter(|w| super::common::is_web_url(w)) {
        obj.insert("url".into(), json!(w));
    }
    if let Some(accepting) = l.accepting_new_clients {
        obj.insert("isAcceptingNewPatients".into(), json!(accepting));
    }
    let hours: Vec<Value> = l
        .schedule
        .sessions
        .iter()
        .filter(|s| s.kind == SessionKind::OfficeHours)
        .map(|s| {
            json!({
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": s.days.iter().map(|d| format!("https://schema.org/{}", day_name(*d))).collect::<Vec<_>>(),
                "opens": s.start,
                "closes": s.end,
            })
        })
        .collect();
    if !hours.is_empty() {
        obj.insert("openingHoursSpecification".into(), Value::Array(hours));
    }
    v
}

fn day_name(d: Weekday) -> &'static str {
    i18n::weekday_long(Lang::En, d)
}

/// The JSON-LD `<script>` block.
fn json_ld(l: &Listing) -> Markup {
    // A `<script>` element's content is raw text: HTML escaping would corrupt the JSON, and
    // serde_json does not escape `</script>`. `<`, `>` and `&` can only occur inside JSON
    // strings, where `\u003c`, `\u003e` and `\u0026` mean the same characters, so after this
    // replacement the text can neither close the element nor open a comment. This is the one
    // PreEscaped in the pages, and it is applied only to this escaped serde_json output.
    let json = json_ld_value(l)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html! { script type="application/ld+json" { (PreEscaped(json)) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_its_script() {
        let l = Listing {
            id: "x-0123456789abcdef".into(),
            name: "A </script><script>alert(1)</script> & <!-- B".into(),
            ..Listing::default()
        };
        let html = json_ld(&l).into_string();
        let inner = html
            .strip_prefix("<script type=\"application/ld+json\">")
            .and_then(|s| s.strip_suffix("</script>"))
            .expect("one script element");
        assert!(!inner.contains('<') && !inner.contains('>'));
        let back: Value = serde_json::from_str(inner).expect("still JSON");
        assert_eq!(back["name"], json!(l.name));
    }

    #[test]
    fn clock_reads_naturally() {
        assert_eq!(clock(Lang::En, "18:30"), "6:30 pm");
        assert_eq!(clock(Lang::En, "00:00"), "12:00 am");
        assert_eq!(clock(Lang::En, "12:00"), "12:00 pm");
        assert_eq!(clock(Lang::En, "24:00"), "12:00 am");
        assert_eq!(clock(Lang::Es, "09:05"), "9:05");
        assert_eq!(clock(Lang::En, "nine"), "nine");
    }
}
