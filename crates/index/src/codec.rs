//! The stored form of a listing: what the doc store keeps, read back for every result on a page.
//!
//! Why not the listing's JSON (stored up to schema version 4): at 20,000 listings, reading the
//! page's listings was almost half of a search's instructions, and parsing their JSON a third
//! (about 36,000 instructions for a listing of 1.2 KB: field names, escapes, numbers). This form
//! is the listing's fields in a fixed order, with no names, no escapes and no number parsing.
//!
//! It is a valid `str`, so it stays in a text field, which tantivy reads back in one copy (a
//! bytes field is read value by value): every length, count, tag and number is written as
//! base-64 digits below 0x80 (`put_uint`), between UTF-8 strings.
//!
//! Every struct is destructured without `..` when it is written, so a field added to a listing
//! does not compile here until it is stored; `decode` reads in the same order. A stored listing
//! that does not decode is an error naming what was wrong (`Error::Storage` at the caller),
//! never a panic.

use std::collections::BTreeSet;

use iop_core::{
    Address, Attr, Field, Listing, Location, Phones, Provenance, Schedule, Session, SessionFormat,
    SessionKind, SourceRef, Weekday,
};

/// Writes `l` into `out` (cleared first).
pub(crate) fn encode(l: &Listing, out: &mut String) {
    out.clear();
    let Listing {
        id,
        name,
        alt_name,
        description,
        address,
        location,
        phones,
        website,
        levels,
        modalities,
        medications,
        schedule,
        payments,
        populations,
        languages,
        virtual_states,
        services,
        sources,
        last_verified,
        stale,
        accepting_new_clients,
        provenance,
    } = l;
    put_str(out, id);
    put_str(out, name);
    put_opt(out, alt_name);
    put_opt(out, description);
    let Address { street, street2, city, state, zip } = address;
    for part in [street, street2, city, state, zip] {
        put_opt(out, part);
    }
    match location {
        None => put_uint(out, 0),
        Some(Location { lat, lon, approximate }) => {
            put_uint(out, 1);
            put_uint(out, lat.to_bits());
            put_uint(out, lon.to_bits());
            put_uint(out, u64::from(*approximate));
        }
    }
    let Phones { main, intake, hotline } = phones;
    for phone in [main, intake, hotline] {
        put_opt(out, phone);
    }
    put_opt(out, website);
    for attr in [levels, modalities, medications] {
        put_attr(out, attr);
    }
    put_schedule(out, schedule);
    for attr in [payments, populations, languages] {
        put_attr(out, attr);
    }
    put_strs(out, virtual_states);
    put_strs(out, services);
    put_uint(out, sources.len() as u64);
    for SourceRef { name, record_id, retrieved, license } in sources {
        put_str(out, name);
        put_str(out, record_id);
        put_opt(out, retrieved);
        put_opt(out, license);
    }
    put_opt(out, last_verified);
    put_uint(out, u64::from(*stale));
    put_uint(out, accepting_new_clients.map_or(0, |a| 1 + u64::from(a)));
    put_uint(out, provenance.iter().len() as u64);
    for (field, keys) in provenance.iter() {
        put_uint(out, field_code(field));
        put_strs(out, keys);
    }
}

/// Reads a listing written by [`encode`]; the error says what could not be read.
pub(crate) fn decode(text: &str) -> Result<Listing, String> {
    let mut r = Reader { text, at: 0 };
    let id = r.string("id")?;
    let name = r.string("name")?;
    let alt_name = r.opt("alt_name")?;
    let description = r.opt("description")?;
    let address = Address {
        street: r.opt("address.street")?,
        street2: r.opt("address.street2")?,
        city: r.opt("address.city")?,
        state: r.opt("address.state")?,
        zip: r.opt("address.zip")?,
    };
    let location = match r.uint("location")? {
        0 => None,
        1 => Some(Location {
            lat: f64::from_bits(r.uint("location.lat")?),
            lon: f64::from_bits(r.uint("location.lon")?),
            approximate: r.flag("location.approximate")?,
        }),
        t => return Err(format!("location: unknown tag {t}")),
    };
    let phones = Phones {
        main: r.opt("phones.main")?,
        intake: r.opt("phones.intake")?,
        hotline: r.opt("phones.hotline")?,
    };
    let website = r.opt("website")?;
    let levels = r.attr("levels")?;
    let modalities = r.attr("modalities")?;
    let medications = r.attr("medications")?;
    let schedule = r.schedule()?;
    let payments = r.attr("payments")?;
    let populations = r.attr("populations")?;
    let languages = r.attr("languages")?;
    let virtual_states = r.strings("virtual_states")?.into_iter().collect();
    let services = r.strings("services")?;
    let n = r.count("sources")?;
    let mut sources = Vec::with_capacity(n);
    for _ in 0..n {
        sources.push(SourceRef {
            name: r.string("sources.name")?,
            record_id: r.string("sources.record_id")?,
            retrieved: r.opt("sources.retrieved")?,
            license: r.opt("sources.license")?,
        });
    }
    let last_verified = r.opt("last_verified")?;
    let stale = r.flag("stale")?;
    let accepting_new_clients = match r.uint("accepting_new_clients")? {
        0 => None,
        1 => Some(false),
        2 => Some(true),
        t => return Err(format!("accepting_new_clients: unknown value {t}")),
    };
    let mut provenance = Provenance::default();
    for _ in 0..r.count("provenance")? {
        let code = r.uint("provenance field")?;
        let field = usize::try_from(code)
            .ok()
            .and_then(|i| Field::ALL.get(i))
            .ok_or_else(|| format!("provenance: unknown field {code}"))?;
        for key in r.strings("provenance keys")? {
            provenance.add(*field, key);
        }
    }
    if r.at != text.len() {
        return Err(format!("{} bytes left after the listing", text.len() - r.at));
    }
    Ok(Listing {
        id,
        name,
        alt_name,
        description,
        address,
        location,
        phones,
        website,
        levels,
        modalities,
        medications,
        schedule,
        payments,
        populations,
        languages,
        virtual_states,
        services,
        sources,
        last_verified,
        stale,
        accepting_new_clients,
        provenance,
    })
}

/// Six bits a byte, low first; 0x40 marks that more follow. Every byte is below 0x80: ASCII.
fn put_uint(out: &mut String, mut v: u64) {
    while v >= 0x40 {
        out.push(char::from(0x40 | (v & 0x3f) as u8));
        v >>= 6;
    }
    out.push(char::from(v as u8));
}

fn put_str(out: &mut String, s: &str) {
    put_uint(out, s.len() as u64);
    out.push_str(s);
}

/// 0 for none, else the length plus one.
fn put_opt(out: &mut String, s: &Option<String>) {
    match s {
        None => put_uint(out, 0),
        Some(s) => {
            put_uint(out, s.len() as u64 + 1);
            out.push_str(s);
        }
    }
}

fn put_strs<'a, I>(out: &mut String, items: I)
where
    I: IntoIterator<Item = &'a String>,
    I::IntoIter: ExactSizeIterator,
{
    let items = items.into_iter();
    put_uint(out, items.len() as u64);
    for s in items {
        put_str(out, s);
    }
}

fn put_attr(out: &mut String, attr: &Attr) {
    match attr {
        Attr::Unknown => put_uint(out, 0),
        Attr::Partial(set) => {
            put_uint(out, 1);
            put_strs(out, set);
        }
        Attr::Known(set) => {
            put_uint(out, 2);
            put_strs(out, set);
        }
    }
}

fn put_opt_f32(out: &mut String, v: Option<f32>) {
    put_uint(out, v.map_or(0, |v| 1 + u64::from(v.to_bits())));
}

fn put_schedule(out: &mut String, s: &Schedule) {
    let Schedule {
        facets,
        facets_not_offered,
        sessions,
        hours_per_week,
        duration_weeks,
        hours_text,
    } = s;
    put_strs(out, facets);
    put_strs(out, facets_not_offered);
    put_uint(out, sessions.len() as u64);
    for Session { days, start, end, format, kind, label, valid_from, valid_to } in sessions {
        put_uint(out, days.len() as u64);
        for d in days {
            put_uint(out, *d as u64);
        }
        put_str(out, start);
        put_str(out, end);
        put_uint(
            out,
            match format {
                None => 0,
                Some(SessionFormat::InPerson) => 1,
                Some(SessionFormat::Virtual) => 2,
                Some(SessionFormat::Hybrid) => 3,
            },
        );
        put_uint(
            out,
            match kind {
                SessionKind::OfficeHours => 0,
                SessionKind::Program => 1,
            },
        );
        put_opt(out, label);
        put_opt(out, valid_from);
        put_opt(out, valid_to);
    }
    put_opt_f32(out, *hours_per_week);
    put_opt_f32(out, *duration_weeks);
    put_opt(out, hours_text);
}

fn field_code(field: Field) -> u64 {
    Field::ALL.iter().position(|f| *f == field).unwrap_or(usize::MAX) as u64
}

/// Reads `decode`'s fields in order; every error names the field.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn uint(&mut self, what: &str) -> Result<u64, String> {
        let bytes = self.text.as_bytes();
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&b) = bytes.get(self.at) else {
                return Err(format!("{what}: the stored listing ends early"));
            };
            self.at += 1;
            if b >= 0x80 || shift > 60 {
                return Err(format!("{what}: not a number"));
            }
            v |= u64::from(b & 0x3f) << shift;
            if b & 0x40 == 0 {
                return Ok(v);
            }
            shift += 6;
        }
    }

    fn count(&mut self, what: &str) -> Result<usize, String> {
        let n = self.uint(what)?;
        // Every item takes at least a byte: a larger count is damage, not a reason to allocate.
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.text.len() - self.at)
            .ok_or_else(|| format!("{what}: count {n} is larger than what is left"))
    }

    fn take(&mut self, len: u64, what: &str) -> Result<String, String> {
        let s = usize::try_from(len)
            .ok()
            .and_then(|len| self.text.get(self.at..self.at.checked_add(len)?))
            .ok_or_else(|| format!("{what}: a text of {len} bytes does not fit"))?;
        self.at += s.len();
        Ok(s.to_owned())
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        let len = self.uint(what)?;
        self.take(len, what)
    }

    fn opt(&mut self, what: &str) -> Result<Option<String>, String> {
        match self.uint(what)? {
            0 => Ok(None),
            n => self.take(n - 1, what).map(Some),
        }
    }

    fn flag(&mut self, what: &str) -> Result<bool, String> {
        match self.uint(what)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(format!("{what}: {v} is not a yes or no")),
        }
    }

    fn strings(&mut self, what: &str) -> Result<Vec<String>, String> {
        let n = self.count(what)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string(what)?);
        }
        Ok(out)
    }

    fn attr(&mut self, what: &str) -> Result<Attr, String> {
        match self.uint(what)? {
            0 => Ok(Attr::Unknown),
            1 => Ok(Attr::Partial(self.strings(what)?.into_iter().collect())),
            2 => Ok(Attr::Known(self.strings(what)?.into_iter().collect())),
            t => Err(format!("{what}: unknown tag {t}")),
        }
    }

    fn opt_f32(&mut self, what: &str) -> Result<Option<f32>, String> {
        match self.uint(what)? {
            0 => Ok(None),
            v => u32::try_from(v - 1)
                .map(|bits| Some(f32::from_bits(bits)))
                .map_err(|_| format!("{what}: not a number")),
        }
    }

    fn schedule(&mut self) -> Result<Schedule, String> {
        let facets: BTreeSet<String> = self.strings("schedule.facets")?.into_iter().collect();
        let facets_not_offered: BTreeSet<String> =
            self.strings("schedule.facets_not_offered")?.into_iter().collect();
        let n = self.count("schedule.sessions")?;
        let mut sessions = Vec::with_capacity(n);
        for _ in 0..n {
            let days = (0..self.count("sessions.days")?)
                .map(|_| {
                    let d = self.uint("sessions.days")?;
                    usize::try_from(d)
                        .ok()
                        .and_then(|i| Weekday::ALL.get(i).copied())
                        .ok_or_else(|| format!("sessions.days: unknown day {d}"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let start = self.string("sessions.start")?;
            let end = self.string("sessions.end")?;
            let format = match self.uint("sessions.format")? {
                0 => None,
                1 => Some(SessionFormat::InPerson),
                2 => Some(SessionFormat::Virtual),
                3 => Some(SessionFormat::Hybrid),
                t => return Err(format!("sessions.format: unknown tag {t}")),
            };
            let kind = match self.uint("sessions.kind")? {
                0 => SessionKind::OfficeHours,
                1 => SessionKind::Program,
                t => return Err(format!("sessions.kind: unknown tag {t}")),
            };
            sessions.push(Session {
                days,
                start,
                end,
                format,
                kind,
                label: self.opt("sessions.label")?,
                valid_from: self.opt("sessions.valid_from")?,
                valid_to: self.opt("sessions.valid_to")?,
            });
        }
        Ok(Schedule {
            facets,
            facets_not_offered,
            sessions,
            hours_per_week: self.opt_f32("schedule.hours_per_week")?,
            duration_weeks: self.opt_f32("schedule.duration_weeks")?,
            hours_text: self.opt("schedule.hours_text")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(l: &Listing) -> Listing {
        let mut text = String::new();
        encode(l, &mut text);
        assert!(text.is_char_boundary(text.len()));
        decode(&text).expect("decodes")
    }

    #[test]
    fn every_field_round_trips() {
        // Every field set, non-ASCII text included; the shipped listings are checked end to
        // end by the e2e test `every_shipped_listing_reads_back_from_the_index`.
        let mut l = Listing {
            id: "x1".into(),
            name: "Región Diez — Centro".into(),
            alt_name: Some(String::new()),
            description: Some("IOP\ttres noches \"por semana\"".into()),
            address: Address {
                street: Some("1 Main".into()),
                street2: None,
                city: Some("San Juan".into()),
                state: Some("PR".into()),
                zip: Some("00901".into()),
            },
            location: Some(Location { lat: 18.4655, lon: -66.1057, approximate: true }),
            phones: Phones { main: Some("+17875551212".into()), intake: None, hotline: None },
            website: Some("https://example.org/ñ".into()),
            levels: Attr::known(["iop", "op"]),
            modalities: Attr::partial(["cbt"]),
            medications: Attr::known(Vec::<String>::new()),
            payments: Attr::Unknown,
            populations: Attr::known(["adults"]),
            languages: Attr::partial(["es"]),
            virtual_states: BTreeSet::from(["PR".to_string()]),
            services: vec!["Tratamiento ambulatorio intensivo".into(), "x".repeat(5000)],
            sources: vec![SourceRef {
                name: "miami-211".into(),
                record_id: "42".into(),
                retrieved: Some("2025-01-02".into()),
                license: None,
            }],
            last_verified: Some("2026-11-01".into()),
            stale: true,
            accepting_new_clients: Some(false),
            ..Listing::default()
        };
        l.schedule.facets.insert("evening".into());
        l.schedule.facets_not_offered.insert("weekend".into());
        l.schedule.sessions.push(Session {
            days: vec![Weekday::Mo, Weekday::We, Weekday::Su],
            start: "18:00".into(),
            end: "21:00".into(),
            format: Some(SessionFormat::Hybrid),
            kind: SessionKind::Program,
            label: Some("Evening IOP".into()),
            valid_from: Some("2026-01-01".into()),
            valid_to: None,
        });
        l.schedule.hours_per_week = Some(9.5);
        l.schedule.duration_weeks = None;
        l.schedule.hours_text = Some("L-V 8-5".into());
        l.stamp_provenance();
        assert!(!l.provenance.is_empty());
        assert_eq!(round_trip(&l), l);
        l.location = None;
        l.accepting_new_clients = Some(true);
        l.schedule.sessions[0].format = None;
        assert_eq!(round_trip(&l), l);
        assert_eq!(round_trip(&Listing::default()), Listing::default());
    }

    #[test]
    fn numbers_take_base_64_digits_below_0x80() {
        for v in [0, 1, 63, 64, 4095, 4096, u64::from(u32::MAX), u64::MAX] {
            let mut s = String::new();
            put_uint(&mut s, v);
            assert!(s.is_ascii(), "{v}");
            let mut r = Reader { text: &s, at: 0 };
            assert_eq!(r.uint("n"), Ok(v));
            assert_eq!(r.at, s.len());
        }
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let l = Listing { id: "x1".into(), name: "Région Ten".into(), ..Listing::default() };
        let mut text = String::new();
        encode(&l, &mut text);
        // Every truncation fails, naming a field; none panics.
        for end in 0..text.len() {
            if let Some(cut) = text.get(..end) {
                let err = decode(cut).expect_err("a cut listing");
                assert!(err.contains(':'), "{err}");
            }
        }
        // A count far larger than the text is refused before anything is allocated.
        let mut big = String::new();
        put_str(&mut big, "x1");
        put_uint(&mut big, u64::MAX);
        assert!(decode(&big).is_err());
        assert!(decode(&format!("{text}!")).unwrap_err().contains("left after"));
    }
}
