//! Curated program sheets: what a program tells us that public data lacks.
//!
//! A sheet is a TOML file in `data/sheets/` (format in `data/sheets/README.md`): the listing it
//! attaches to, its IOP tracks (days, start, end, format, hours per week, duration), intake
//! phone, whether it accepts new clients, the states its virtual tracks serve, where the facts
//! came from, and the date each was confirmed. [`load_sheets`] reads and checks every sheet of a folder, rejecting a bad one
//! with its file, line and reason; [`apply`] merges them into listings by id.
//!
//! Nothing in a sheet is guessed: a field that the program did not state is left out, and a
//! listing keeps what its other sources say.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use iop_core::schedule::parse_hhmm;
use iop_core::{Field, Listing, Session, SessionFormat, SessionKind, SourceRef, Weekday};
use serde::Deserialize;
use toml::Spanned;

/// Source name of sheet facts in a listing's `sources`.
pub const SOURCE: &str = "program-sheet";

/// One IOP track of a program: a group that meets on these days at these times.
#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    /// What the program calls it ("Evening IOP").
    pub label: Option<String>,
    /// Days it meets.
    pub days: Vec<Weekday>,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`, after the start.
    pub end: String,
    /// In person, virtual or hybrid, when the program said so.
    pub format: Option<SessionFormat>,
    /// Hours of programming per week on this track.
    pub hours_per_week: Option<f32>,
    /// Length of the track in weeks.
    pub duration_weeks: Option<f32>,
    /// When this track was confirmed (`YYYY-MM-DD`).
    pub confirmed: String,
}

/// A checked program sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    /// The file it was read from.
    pub file: PathBuf,
    /// The listing it attaches to.
    pub listing_id: String,
    /// The program's name, for people reading the sheet (not applied).
    pub name: Option<String>,
    /// When the sheet-level facts (intake phone, accepting new clients) were confirmed.
    pub confirmed: String,
    /// Where the facts came from.
    pub source_note: String,
    /// Intake phone, E.164.
    pub intake_phone: Option<String>,
    /// Whether the program accepts new clients.
    pub accepting_new_clients: Option<bool>,
    /// USPS codes of the states whose residents the program's virtual or hybrid tracks serve,
    /// sorted: a virtual search anywhere in them finds the listing, whatever the distance.
    pub serves_states: Vec<String>,
    /// IOP tracks.
    pub tracks: Vec<Track>,
}

impl Sheet {
    /// The most recent confirmation date in the sheet.
    pub fn last_confirmed(&self) -> &str {
        self.tracks
            .iter()
            .map(|t| t.confirmed.as_str())
            .chain([self.confirmed.as_str()])
            .max()
            .unwrap_or(&self.confirmed)
    }
}

/// Why sheets could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The folder or a file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A sheet is malformed.
    #[error("{}: line {line}: {reason}", file.display())]
    Invalid {
        /// The sheet.
        file: PathBuf,
        /// 1-based line of the offending value (or table).
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// What [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SheetReport {
    /// Ids of the listings a sheet was applied to.
    pub applied: Vec<String>,
    /// Sessions added (or replaced) from tracks.
    pub sessions: usize,
    /// Sheets naming a listing id that is not among the listings: (file, id).
    pub unknown_ids: Vec<(PathBuf, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSheet {
    listing_id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    confirmed: Spanned<String>,
    source_note: Spanned<String>,
    #[serde(default)]
    intake_phone: Option<Spanned<String>>,
    #[serde(default)]
    accepting_new_clients: Option<bool>,
    #[serde(default)]
    serves_states: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    tracks: Vec<Spanned<RawTrack>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrack {
    #[serde(default)]
    label: Option<String>,
    days: Spanned<Vec<Spanned<String>>>,
    start: Spanned<String>,
    end: Spanned<String>,
    #[serde(default)]
    format: Option<Spanned<String>>,
    #[serde(default)]
    hours_per_week: Option<Spanned<f32>>,
    #[serde(default)]
    duration_weeks: Option<Spanned<f32>>,
    confirmed: Spanned<String>,
}

/// Reads and checks every `*.toml` sheet in `dir`, in file-name order. The first bad sheet
/// stops the load with its file, line and reason.
pub fn load_sheets(dir: &Path) -> Result<Vec<Sheet>, SheetError> {
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| SheetError::Read { path, source }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(read_err(f))?;
            parse_sheet(f, &text)
        })
        .collect()
}

/// Parses and checks one sheet; `file` names it in errors.
pub fn parse_sheet(file: &Path, text: &str) -> Result<Sheet, SheetError> {
    let line_of = |span: Range<usize>| {
        text.get(..span.start).map_or(1, |before| before.matches('\n').count() + 1)
    };
    let invalid = |span: Range<usize>, reason: String| SheetError::Invalid {
        file: file.to_owned(),
        line: line_of(span),
        reason,
    };
    let raw: RawSheet = toml::from_str(text)
        .map_err(|e| invalid(e.span().unwrap_or(0..0), e.message().trim().to_owned()))?;
    let id = raw.listing_id.get_ref().trim();
    if !iop_core::id::is_well_formed(id) {
        return Err(invalid(
            raw.listing_id.span(),
            format!("listing_id {id:?} is not a listing id"),
        ));
    }
    let date = |s: &Spanned<String>, what: &str| {
        let d = s.get_ref().trim();
        if is_date(d) {
            Ok(d.to_owned())
        } else {
            Err(invalid(s.span(), format!("{what} {d:?} is not a YYYY-MM-DD date")))
        }
    };
    let confirmed = date(&raw.confirmed, "confirmed")?;
    let source_note = raw.source_note.get_ref().trim().to_owned();
    if source_note.is_empty() {
        return Err(invalid(
            raw.source_note.span(),
            "source_note is empty: say where the facts came from".into(),
        ));
    }
    let intake_phone = match &raw.intake_phone {
        None => None,
        Some(p) => Some(
            iop_core::phone::normalize(p.get_ref())
                .map_err(|e| invalid(p.span(), format!("intake_phone: {e}")))?,
        ),
    };
    let mut tracks = Vec::new();
    for t in &raw.tracks {
        let t = t.get_ref();
        let mut days = BTreeSet::new();
        for d in t.days.get_ref() {
            let day = Weekday::parse(d.get_ref())
                .ok_or_else(|| invalid(d.span(), format!("unknown day {:?}", d.get_ref())))?;
            days.insert(day);
        }
        if days.is_empty() {
            return Err(invalid(t.days.span(), "days is empty".into()));
        }
        let time = |s: &Spanned<String>, what: &str| {
            let v = s.get_ref().trim();
            match parse_hhmm(v) {
                Some(m) if m < 24 * 60 || what == "end" => Ok((v.to_owned(), m)),
                _ => Err(invalid(
                    s.span(),
                    format!("{what} {v:?} is not a time from 00:00 to 23:59"),
                )),
            }
        };
        let (start, s) = time(&t.start, "start")?;
        let (end, e) = time(&t.end, "end")?;
        if e <= s {
            return Err(invalid(t.end.span(), format!("end {end} is not after start {start}")));
        }
        let format = match &t.format {
            None => None,
            Some(f) => Some(match f.get_ref().trim() {
                "in_person" => SessionFormat::InPerson,
                "virtual" => SessionFormat::Virtual,
                "hybrid" => SessionFormat::Hybrid,
                other => {
                    let reason = format!("unknown format {other:?} (in_person, virtual or hybrid)");
                    return Err(invalid(f.span(), reason));
                }
            }),
        };
        let positive = |v: &Option<Spanned<f32>>, what: &str, max: f32| match v {
            Some(x) if !(*x.get_ref() > 0.0 && *x.get_ref() <= max) => {
                Err(invalid(x.span(), format!("{what} {} is not between 0 and {max}", x.get_ref())))
            }
            Some(x) => Ok(Some(*x.get_ref())),
            None => Ok(None),
        };
        tracks.push(Track {
            label: t.label.as_ref().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
            days: days.into_iter().collect(),
            start,
            end,
            format,
            hours_per_week: positive(&t.hours_per_week, "hours_per_week", 168.0)?,
            duration_weeks: positive(&t.duration_weeks, "duration_weeks", 104.0)?,
            confirmed: date(&t.confirmed, "confirmed")?,
        });
    }
    let mut serves_states = BTreeSet::new();
    if let Some(list) = &raw.serves_states {
        for code in list.get_ref() {
            let st = iop_core::states::by_code(code.get_ref()).ok_or_else(|| {
                let reason = format!(
                    "serves_states: {:?} is not the USPS code of a US state, DC or territory",
                    code.get_ref()
                );
                invalid(code.span(), reason)
            })?;
            serves_states.insert(st.code.to_owned());
        }
        if serves_states.is_empty() {
            return Err(invalid(list.span(), "serves_states is empty: leave it out".into()));
        }
        // Residents of a state are served from afar only by a virtual or hybrid track; without
        // one the list would make an in-person program show up in virtual searches.
        if !tracks
            .iter()
            .any(|t| matches!(t.format, Some(SessionFormat::Virtual | SessionFormat::Hybrid)))
        {
            return Err(invalid(
                list.span(),
                "serves_states needs a track with format = \"virtual\" or \"hybrid\"".into(),
            ));
        }
    }
    Ok(Sheet {
        file: file.to_owned(),
        listing_id: id.to_owned(),
        name: raw.name,
        confirmed,
        source_note,
        intake_phone,
        accepting_new_clients: raw.accepting_new_clients,
        serves_states: serves_states.into_iter().collect(),
        tracks,
    })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0..4, 5..7, 8..10].iter().all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// Merges sheets into listings by id: each track becomes a [`SessionKind::Program`] session
/// (replacing a session with the same days and times), facets are derived again, the intake
/// phone and "accepting new clients" are set, `serves_states` joins the listing's
/// `virtual_states`, and `last_verified` becomes the most recent confirmation date when that is
/// newer. A sheet naming an unknown id is reported.
///
/// The sheet joins the listing's `sources` (name [`SOURCE`], record id its file name) and its
/// provenance: it states the schedule (when it has tracks) and the virtual states it adds
/// alongside what other sources said; an intake phone or "accepting new clients" it sets comes
/// from the sheet alone, unless another source said the same.
pub fn apply(sheets: &[Sheet], listings: &mut [Listing]) -> SheetReport {
    let mut report = SheetReport::default();
    for sheet in sheets {
        let Some(listing) = listings.iter_mut().find(|l| l.id == sheet.listing_id) else {
            report.unknown_ids.push((sheet.file.clone(), sheet.listing_id.clone()));
            continue;
        };
        let record_id = sheet
            .file
            .file_name()
            .map_or_else(|| sheet.file.display().to_string(), |f| f.to_string_lossy().into_owned());
        let key = iop_core::provenance::source_key(SOURCE, &record_id);
        let schedule = &mut listing.schedule;
        for t in &sheet.tracks {
            schedule
                .sessions
                .retain(|s| !(s.days == t.days && s.start == t.start && s.end == t.end));
            schedule.sessions.push(Session {
                days: t.days.clone(),
                start: t.start.clone(),
                end: t.end.clone(),
                format: t.format,
                kind: SessionKind::Program,
                label: t.label.clone(),
                valid_from: None,
                valid_to: None,
            });
            report.sessions += 1;
        }
        // Tracks are alternatives (a day and an evening track), not added up: the largest.
        let max = |f: fn(&Track) -> Option<f32>| sheet.tracks.iter().filter_map(f).reduce(f32::max);
        if let Some(h) = max(|t| t.hours_per_week) {
            schedule.hours_per_week = Some(h);
        }
        if let Some(w) = max(|t| t.duration_weeks) {
            schedule.duration_weeks = Some(w);
        }
        // Sheet sessions have no end date; the confirmation date is when they are known to hold.
        schedule.derive_facets(sheet.last_confirmed());
        let provenance = &mut listing.provenance;
        if !sheet.tracks.is_empty() {
            provenance.add(Field::Schedule, key.clone());
        }
        if let Some(p) = &sheet.intake_phone {
            if listing.phones.intake.as_ref() == Some(p) {
                provenance.add(Field::PhoneIntake, key.clone());
            } else {
                provenance.set(Field::PhoneIntake, key.clone());
            }
            listing.phones.intake = Some(p.clone());
        }
        if let Some(a) = sheet.accepting_new_clients {
            if listing.accepting_new_clients == Some(a) {
                provenance.add(Field::AcceptingNewClients, key.clone());
            } else {
                provenance.set(Field::AcceptingNewClients, key.clone());
            }
            listing.accepting_new_clients = Some(a);
        }
        if !sheet.serves_states.is_empty() {
            provenance.add(Field::VirtualStates, key);
        }
        listing.virtual_states.extend(sheet.serves_states.iter().cloned());
        let newest = sheet.last_confirmed();
        if listing.last_verified.as_deref().is_none_or(|v| v < newest) {
            listing.last_verified = Some(newest.to_owned());
        }
        if !listing.sources.iter().any(|s| s.name == SOURCE && s.record_id == record_id) {
            listing.sources.push(SourceRef {
                name: SOURCE.to_owned(),
                record_id,
                retrieved: Some(newest.to_owned()),
                license: Some(format!("curated sheet; {}", sheet.source_note)),
            });
        }
        report.applied.push(listing.id.clone());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use iop_core::listing::Tri;

    fn sheets_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sheets"))
    }

    const GOOD: &str = r#"listing_id = "m211-32f5123dff5bf4ee"
confirmed = "2019-07-29"
source_note = "test"

[[tracks]]
label = "Evening IOP"
days = ["mo", "we", "th"]
start = "18:00"
end = "21:00"
confirmed = "2019-07-29"
"#;

    fn bad(text: &str) -> String {
        parse_sheet(Path::new("bad.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn the_shipped_sheet_is_the_multicultural_evening_iop() {
        let sheets = load_sheets(&sheets_dir()).unwrap();
        assert_eq!(sheets.len(), 1);
        let s = &sheets[0];
        assert_eq!(s.listing_id, iop_core::id::stable_id("m211", "8852"));
        assert_eq!(s.confirmed, "2019-07-29");
        assert!(s.source_note.contains("8852"));
        let t = &s.tracks[0];
        assert_eq!(t.days, vec![Weekday::Mo, Weekday::We, Weekday::Th]);
        assert_eq!((&*t.start, &*t.end), ("18:00", "21:00"));
        assert_eq!(t.format, None, "the source does not say in person or virtual");
        assert_eq!(t.label.as_deref(), Some("Evening IOP"));
    }

    #[test]
    fn bad_sheets_name_file_line_and_reason() {
        assert_eq!(
            bad(&GOOD.replace("\"21:00\"", "\"25:00\"")),
            "bad.toml: line 9: end \"25:00\" is not a time from 00:00 to 23:59"
        );
        assert_eq!(
            bad(&GOOD.replace("\"we\"", "\"funday\"")),
            "bad.toml: line 7: unknown day \"funday\""
        );
        assert_eq!(
            bad(&GOOD.replace("end = \"21:00\"", "end = \"21:00\"\nformat = \"telepathy\"")),
            "bad.toml: line 10: unknown format \"telepathy\" (in_person, virtual or hybrid)"
        );
        let no_date =
            GOOD.replace("end = \"21:00\"\nconfirmed = \"2019-07-29\"\n", "end = \"21:00\"\n");
        let e = bad(&no_date);
        assert!(e.starts_with("bad.toml: line 5: missing field `confirmed`"), "{e}");
        let e = bad(&GOOD.replacen("confirmed = \"2019-07-29\"\n", "", 1));
        assert!(e.starts_with("bad.toml: line 1: missing field `confirmed`"), "{e}");
        assert_eq!(
            bad(&GOOD.replacen("\"2019-07-29\"", "\"29/07/2019\"", 1)),
            "bad.toml: line 2: confirmed \"29/07/2019\" is not a YYYY-MM-DD date"
        );
        assert_eq!(
            bad(&GOOD.replace("\"18:00\"", "\"21:30\"")),
            "bad.toml: line 9: end 21:00 is not after start 21:30"
        );
        let e = bad(&GOOD.replace("label =", "lable ="));
        assert!(e.starts_with("bad.toml: line 6: unknown field `lable`"), "{e}");
        let e = bad("listing_id = \"x\"\nconfirmed = [\n");
        assert!(e.starts_with("bad.toml: line "), "{e}");
    }

    /// GOOD with `serves_states = <states>` (line 4) and the track in `format` (line 11).
    fn serving(states: &str, format: &str) -> String {
        GOOD.replace(
            "source_note = \"test\"\n",
            &format!("source_note = \"test\"\nserves_states = {states}\n"),
        )
        .replace("end = \"21:00\"\n", &format!("end = \"21:00\"\nformat = \"{format}\"\n"))
    }

    #[test]
    fn serves_states_is_checked_and_normalised() {
        let sheet = parse_sheet(Path::new("v.toml"), &serving(r#"["FL", "ga", "FL"]"#, "virtual"))
            .expect("a virtual track serving two states");
        assert_eq!(sheet.serves_states, vec!["FL".to_owned(), "GA".to_owned()]);
        // A hybrid track serves from afar too; DC and Puerto Rico are codes like any state's.
        let sheet =
            parse_sheet(Path::new("h.toml"), &serving(r#"["DC", "PR"]"#, "hybrid")).unwrap();
        assert_eq!(sheet.serves_states, vec!["DC".to_owned(), "PR".to_owned()]);
        // Without the key nothing changes.
        assert!(parse_sheet(Path::new("g.toml"), GOOD).unwrap().serves_states.is_empty());

        assert_eq!(
            bad(&serving(r#"["FL", "XX"]"#, "virtual")),
            "bad.toml: line 4: serves_states: \"XX\" is not the USPS code of a US state, DC or \
             territory"
        );
        assert_eq!(
            bad(&serving(r#"["Florida"]"#, "virtual")),
            "bad.toml: line 4: serves_states: \"Florida\" is not the USPS code of a US state, DC \
             or territory"
        );
        assert_eq!(
            bad(&serving(r#"["FL"]"#, "in_person")),
            "bad.toml: line 4: serves_states needs a track with format = \"virtual\" or \"hybrid\""
        );
        // A track without a stated format is not virtual either.
        let no_format = GOOD.replace(
            "source_note = \"test\"\n",
            "source_note = \"test\"\nserves_states = [\"FL\"]\n",
        );
        assert_eq!(
            bad(&no_format),
            "bad.toml: line 4: serves_states needs a track with format = \"virtual\" or \"hybrid\""
        );
        assert_eq!(
            bad(&serving("[]", "virtual")),
            "bad.toml: line 4: serves_states is empty: leave it out"
        );
        let e = bad(&serving(r#""FL""#, "virtual"));
        assert!(e.starts_with("bad.toml: line 4: invalid type: string"), "{e}");
        // A misspelt key is still an error, never a silently dropped fact.
        let e = bad(&serving(r#"["FL"]"#, "virtual").replace("serves_states", "serve_states"));
        assert!(e.starts_with("bad.toml: line 4: unknown field `serve_states`"), "{e}");
    }

    #[test]
    fn a_sheet_replaces_or_seconds_the_provenance_of_what_it_sets() {
        let mut sheet = parse_sheet(Path::new("mcc.toml"), GOOD).unwrap();
        sheet.intake_phone = Some("+19545551234".into());
        sheet.accepting_new_clients = Some(true);
        let mut l = Listing {
            id: "m211-32f5123dff5bf4ee".into(),
            name: "Multicultural Care Centers".into(),
            accepting_new_clients: Some(true),
            sources: vec![SourceRef {
                name: "miami-211".into(),
                record_id: "8852".into(),
                retrieved: Some("2019-07-29".into()),
                license: None,
            }],
            ..Listing::default()
        };
        l.phones.intake = Some("+19545550000".into());
        l.schedule.hours_text = Some("Evening IOP: 6:00pm-9:00pm, Mon, Wed, Thur".into());
        l.stamp_provenance();
        let mut listings = vec![l];
        apply(&[sheet], &mut listings);
        let p = &listings[0].provenance;
        let keys = |f: Field| p.keys(f).collect::<Vec<_>>();
        // Another number: the sheet's replaces it, and only the sheet says it.
        assert_eq!(keys(Field::PhoneIntake), ["program-sheet:mcc.toml"]);
        // The same answer: both say it.
        assert_eq!(keys(Field::AcceptingNewClients), ["miami-211:8852", "program-sheet:mcc.toml"]);
        // The schedule joins the record's hours text and the sheet's sessions.
        assert_eq!(keys(Field::Schedule), ["miami-211:8852", "program-sheet:mcc.toml"]);
        assert_eq!(keys(Field::Name), ["miami-211:8852"]);
    }

    #[test]
    fn serves_states_makes_the_listing_a_virtual_match_there() {
        let sheet =
            parse_sheet(Path::new("v.toml"), &serving(r#"["FL", "GA"]"#, "virtual")).unwrap();
        let mut listings = vec![Listing {
            id: "m211-32f5123dff5bf4ee".into(),
            virtual_states: ["AL".to_owned()].into_iter().collect(),
            ..Listing::default()
        }];
        let report = apply(&[sheet], &mut listings);
        assert_eq!(report.sessions, 1);
        let l = &listings[0];
        assert_eq!(l.schedule.sessions[0].format, Some(SessionFormat::Virtual));
        assert_eq!(l.schedule.facet("virtual"), Tri::Yes);
        assert_eq!(l.schedule.facet("evening"), Tri::Yes);
        // What another source said stays; the sheet adds its states.
        let states: Vec<&str> = l.virtual_states.iter().map(String::as_str).collect();
        assert_eq!(states, ["AL", "FL", "GA"]);
        assert!(l.provenance.keys(Field::VirtualStates).eq(["program-sheet:v.toml"]));
        assert!(l.serves_virtually("FL") && l.serves_virtually("GA"));
        assert!(!l.serves_virtually("TX"));
    }

    #[test]
    fn apply_merges_by_id_and_reports_unknown_ids() {
        let mut sheet = parse_sheet(Path::new("mcc.toml"), GOOD).unwrap();
        sheet.accepting_new_clients = Some(true);
        sheet.intake_phone = Some("+19545551234".into());
        sheet.tracks[0].hours_per_week = Some(9.0);
        let other = Sheet { listing_id: "m211-0000000000000000".into(), ..sheet.clone() };
        let mut listings = vec![Listing {
            id: "m211-32f5123dff5bf4ee".into(),
            last_verified: Some("2019-01-01".into()),
            ..Listing::default()
        }];
        let report = apply(&[sheet, other], &mut listings);
        assert_eq!(report.applied, vec!["m211-32f5123dff5bf4ee".to_owned()]);
        assert_eq!(report.sessions, 1);
        assert_eq!(
            report.unknown_ids,
            vec![(PathBuf::from("mcc.toml"), "m211-0000000000000000".to_owned())]
        );
        let l = &listings[0];
        assert_eq!(l.schedule.sessions[0].kind, SessionKind::Program);
        assert_eq!(l.schedule.facet("evening"), Tri::Yes);
        assert_eq!(l.schedule.facet("day"), Tri::No);
        assert_eq!(l.schedule.hours_per_week, Some(9.0));
        assert_eq!(l.accepting_new_clients, Some(true));
        assert_eq!(l.phones.intake.as_deref(), Some("+19545551234"));
        assert_eq!(l.last_verified.as_deref(), Some("2019-07-29"));
        assert_eq!(l.sources[0].name, SOURCE);
        // The sheet is the source of what it set.
        for f in [Field::Schedule, Field::PhoneIntake, Field::AcceptingNewClients] {
            assert!(l.provenance.keys(f).eq(["program-sheet:mcc.toml"]), "{}", f.as_str());
        }
        assert!(!l.provenance.has(Field::VirtualStates), "the sheet serves no states");
        // Applying again replaces the session instead of doubling it, and an older date does not
        // move last_verified back.
        let mut again = parse_sheet(Path::new("mcc.toml"), GOOD).unwrap();
        again.confirmed = "2018-01-01".into();
        again.tracks[0].confirmed = "2018-01-01".into();
        apply(&[again], &mut listings);
        assert_eq!(listings[0].schedule.sessions.len(), 1);
        assert_eq!(listings[0].last_verified.as_deref(), Some("2019-07-29"));
        assert_eq!(listings[0].sources.len(), 1);
    }
}
