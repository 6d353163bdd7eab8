//! A parser for free-text opening hours, as 2-1-1 and Ohana directories write them.
//!
//! [`parse_hours`] turns text such as `"10:00am-9:00pm, Mon-Thur;\n9:00am-2:30pm, Fri"` (2-1-1
//! Miami) or `"Monday-Thursday, 9-9; Friday, 9-2"` (Ohana, San Mateo) into weekly
//! [`Session`]s, and returns every part it could not read in [`HoursParse::unparsed`], word for
//! word, so that nothing is silently dropped and the caller can keep the text for display.
//!
//! # What it reads
//! - Parts separated by newlines (real ones or the two characters `\n`), `;`, and sentences
//!   (`". "` followed by a capital or a digit).
//! - Labels: a line `"Evening IOP:"` labels the lines below it up to the next blank line; an
//!   inline `"Adults: Monday-Friday, 8-5"` labels its sentence. A label naming a group, an IOP,
//!   a program, a session, a class or a meeting makes its sessions [`SessionKind::Program`];
//!   anything else is [`SessionKind::OfficeHours`].
//! - Days: names and abbreviations (`Mon`, `Tues.`, `Thur`, `Thurs`, `Saturdays`), spans with
//!   `-`, `to`, `thru` or `through` (wrapping: `Tue-Sun`, `Sunday-Saturday`), lists with `,`,
//!   `&` or `and`, and `daily`, `every day`, `7 days a week`, `weekdays`, `weeknights`,
//!   `weekends`, `M-F`.
//! - Times: `9am`, `9:00 a.m.`, `830am`, `9:00a`, `noon`, `12 noon`, `midnight`, `12:00am`
//!   (midnight: 00:00 as a start, 24:00 as an end), 24-hour `13:30`, and `24 hours` / `24-hour`
//!   / `24/7` (00:00-24:00, every day unless days are named). Ranges with `-`, `to`, `until`;
//!   several ranges per part (`8-12, 1-5`, `8:00am-1:00pm / 2:00pm-5:00pm`, `9:30am-3:00pm &
//!   5:00pm-7:00pm`). Times may come before the days (Miami) or after them (Ohana).
//! - Missing am/pm. When only one end says am or pm, the other is read so that the range is
//!   forward (`7-9:30 pm` = 19:00-21:30, `10-9 pm` = 10:00-21:00, `8:00am-5:00` = 08:00-17:00).
//!   When neither does, [`HoursOptions::assume_pm_for_small_end`] applies Ohana's convention:
//!   an end hour 1-11 is pm (`8-5` = 08:00-17:00, `10-9` = 10:00-21:00, `12-8` = 12:00-20:00)
//!   unless that makes a range longer than 14 hours while the am reading is still forward
//!   (`9-11:30` = 09:00-11:30, the morning half of a split shift `8-11, 1-4`), and a start hour
//!   1-6 is pm when that leaves the range forward (`1-5` = 13:00-17:00, `6:30-6` = 06:30-18:00).
//!
//! # What it leaves unparsed (on purpose)
//! Anything that is not a plain weekly schedule: dates and months (`Sat (Feb 9, 16, 23)`),
//! ordinals (`Every 3rd Saturday`), seasons (`Summer Hours:`), closures (`Closed daily
//! 12:00pm-1:00pm for lunch`), a single start time without an end (`7:00pm, Tue`), days
//! without times, times without days, and prose. A part with any word it does not know is left
//! whole rather than half-read. "By appointment" sets [`HoursParse::by_appointment`].

use std::collections::BTreeSet;

use iop_core::schedule::format_hhmm;
use iop_core::{Session, SessionKind, Weekday};

use crate::text;

/// How to read times that say neither am nor pm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoursOptions {
    /// Read bare ranges by the 12-hour business-hours convention (`8-5` = 08:00-17:00). When
    /// false, bare times are 24-hour clock times (`13-17`), and a bare range that does not run
    /// forward is left unparsed.
    pub assume_pm_for_small_end: bool,
}

impl Default for HoursOptions {
    /// US directories write 12-hour times, so the business-hours reading is the default.
    fn default() -> Self {
        HoursOptions { assume_pm_for_small_end: true }
    }
}

/// What [`parse_hours`] understood.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HoursParse {
    /// The text after repair (escapes, mojibake), as a reader should see it.
    pub text: String,
    /// Weekly sessions, in the order the text gives them.
    pub sessions: Vec<Session>,
    /// Parts that could not be read, word for word.
    pub unparsed: Vec<String>,
    /// A part said the place is open 24 hours.
    pub twenty_four_hours: bool,
    /// The text says some service is by appointment.
    pub by_appointment: bool,
}

/// How much of a text was understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Coverage {
    /// Every part was read (sessions, labels or "by appointment").
    Full,
    /// Some sessions were read and some parts were not.
    Partial,
    /// No session was read, or the text is empty.
    None,
}

impl HoursParse {
    /// How much of the text was understood.
    pub fn coverage(&self) -> Coverage {
        if self.text.trim().is_empty() {
            Coverage::None
        } else if self.unparsed.is_empty() {
            Coverage::Full
        } else if self.sessions.is_empty() {
            Coverage::None
        } else {
            Coverage::Partial
        }
    }
}

/// Parses free-text hours into weekly sessions (see the module docs for what it reads).
pub fn parse_hours(input: &str, opts: HoursOptions) -> HoursParse {
    let text = text::fix_mojibake(&text::unescape(input));
    let mut out = HoursParse {
        text: text.trim().to_owned(),
        by_appointment: text.to_lowercase().contains("appointment"),
        ..HoursParse::default()
    };
    let normal = normalize(&text);
    let mut block_label: Option<String> = None;
    let lines: Vec<&str> = normal.lines().map(str::trim).collect();
    for (n, &line) in lines.iter().enumerate() {
        if line.is_empty() {
            block_label = None;
            continue;
        }
        // A line that is only "Label:" labels the lines below it; so does a heading without
        // a colon ("Summer Camp") when lines follow it.
        let next_is_text = lines.get(n + 1).is_some_and(|l| !l.is_empty());
        let heading = line.strip_suffix(':').or(next_is_text.then_some(line));
        if let Some(label) = heading.map(|h| h.trim_end_matches(['.', ' '])).and_then(as_label) {
            block_label = Some(label);
            continue;
        }
        for sentence in split_sentences(line) {
            let mut label = block_label.clone();
            let parts: Vec<&str> = sentence.split(';').collect();
            let mut pending: Option<(String, Vec<Range>)> = None;
            for (i, raw) in parts.iter().enumerate() {
                let mut part = raw.trim().trim_end_matches(['.', ',']).trim();
                if part.is_empty() {
                    continue;
                }
                if let Some((l, rest)) = split_label(part) {
                    label = Some(l);
                    part = rest;
                    if part.is_empty() {
                        continue;
                    }
                }
                let carried = pending.take();
                let mut carry_used = false;
                match parse_part(part, label.as_deref(), opts, carried.as_ref().map(|c| &c.1)) {
                    PartResult::Sessions(sessions, all_day) => {
                        out.twenty_four_hours |= all_day;
                        out.sessions.extend(sessions);
                        carry_used = true;
                    }
                    PartResult::Understood => {}
                    PartResult::TimesOnly(ranges) if i + 1 < parts.len() && carried.is_none() => {
                        pending = Some((part.to_owned(), ranges));
                        continue;
                    }
                    PartResult::TimesOnly(_) | PartResult::Unparsed => {
                        // Keep the label with the part: "Summer Hours: 8:00am-2:00pm, Mon".
                        out.unparsed.push(match &label {
                            Some(l) => format!("{l}: {part}"),
                            None => part.to_owned(),
                        });
                    }
                }
                // Carried times that the next part could not take are unparsed too.
                if let (Some((text, _)), false) = (carried, carry_used) {
                    out.unparsed.insert(out.unparsed.len().saturating_sub(1), text);
                }
            }
            if let Some((text, _)) = pending {
                out.unparsed.push(text);
            }
        }
    }
    out
}

/// Replaces the dashes and spaces that vary between sources with their ASCII forms, and
/// repairs a typo seen in the data (`4;30` for `4:30`), which would otherwise split a part.
fn normalize(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\t' => ' ',
            '\u{2018}' | '\u{2019}' => '\'',
            _ => c,
        })
        .collect();
    let bytes = s.as_bytes();
    let mut fixes = Vec::new();
    for i in 1..bytes.len().saturating_sub(2) {
        if bytes[i] == b';'
            && bytes[i - 1].is_ascii_digit()
            && bytes[i + 1].is_ascii_digit()
            && bytes[i + 2].is_ascii_digit()
            && bytes.get(i + 3).is_none_or(|b| !b.is_ascii_digit())
        {
            fixes.push(i);
        }
    }
    for i in fixes {
        s.replace_range(i..=i, ":");
    }
    s
}

/// Splits a line into sentences at `". "` followed by a capital or a digit, unless the word
/// before the full stop is an abbreviation (`Sat. 9-12`, `8 a.m. Monday`).
fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices(". ") {
        let next = line[i + 1..].trim_start().chars().next();
        if !next.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '(') {
            continue;
        }
        let word_start = line[..i]
            .char_indices()
            .rev()
            .find(|&(_, c)| !c.is_alphanumeric() && c != '.')
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = line[word_start..i].to_ascii_lowercase();
        let abbreviation = word.len() <= 1
            || word.contains('.')
            || Weekday::parse(&word).is_some()
            || ["thru", "st", "dr", "ave", "no", "approx"].contains(&word.as_str());
        if abbreviation && !(i > 0 && bytes[i - 1].is_ascii_digit()) {
            continue;
        }
        out.push(&line[start..i]);
        start = i + 1;
    }
    out.push(&line[start..]);
    out
}

/// `"Evening IOP"` -> label, when the text names no days or times and has a word.
fn as_label(candidate: &str) -> Option<String> {
    let candidate = candidate.trim();
    if candidate.is_empty() || !candidate.chars().any(char::is_alphabetic) {
        return None;
    }
    let (items, _) = items(&lex(&strip_parentheses(&candidate.to_lowercase()).0));
    // Times may appear (`Grades 2-5:`), days may not (`Monday & Friday: 10-3`).
    let names_when =
        items.iter().any(|i| matches!(i, Item::Days(_) | Item::AllDay | Item::Everyday));
    let has_word = items.iter().any(|i| matches!(i, Item::Unknown(_)));
    // `January - December Saturday ...` is a date span, not `January:` as a label.
    let months = ["january", "february", "march", "april", "may", "june", "july", "august"];
    let months2 = ["september", "october", "november", "december"];
    if items.iter().any(|i| matches!(i, Item::Unknown(w) if months.contains(&w.as_str()) || months2.contains(&w.as_str()))) {
        return None;
    }
    (has_word && !names_when).then(|| candidate.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Splits `"Office: Monday-Friday, 8-5"` into the label and the rest, at the first colon that
/// is not inside a time.
fn split_label(part: &str) -> Option<(String, &str)> {
    // `Crisis line - 24 hours daily`, `Rehearsals - Monday-Friday, 6:45 pm-9:30 pm`.
    if let Some(i) = part.find(" - ")
        && let Some(label) = as_label(&part[..i])
    {
        return Some((label, part[i + 3..].trim()));
    }
    let bytes = part.as_bytes();
    let i = (0..bytes.len()).find(|&i| {
        bytes[i] == b':'
            && !(i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    })?;
    let label = as_label(&part[..i])?;
    Some((label, part[i + 1..].trim()))
}

/// Whether a label names something that meets (a program session) rather than a door.
pub(crate) fn kind_for_label(label: Option<&str>) -> SessionKind {
    let Some(label) = label else { return SessionKind::OfficeHours };
    let lower = label.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let meets = ["iop", "iops", "php", "group", "groups", "session", "sessions", "meeting"];
    let meets2 = ["meetings", "class", "classes"];
    let program = ["program", "programs", "programme", "treatment"];
    if has(&meets) || has(&meets2) || (has(&program) && !has(&["hours"])) {
        SessionKind::Program
    } else {
        SessionKind::OfficeHours
    }
}

/// Words that mark a part or label as seasonal or as a closure: not a weekly schedule.
fn is_seasonal_or_closure(lower: &str) -> bool {
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
        matches!(w, "summer" | "winter" | "spring" | "fall" | "autumn" | "closed" | "closes")
    })
}

/// Labels for lines that are not the place's attended hours: a hotline or an on-call service
/// open all night says nothing about when a program meets.
fn not_attended(label: &str) -> bool {
    let lower = label.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| {
        matches!(
            w,
            "hotline"
                | "helpline"
                | "line"
                | "crisis"
                | "emergency"
                | "emergencies"
                | "voicemail"
                | "phone"
                | "telephone"
                | "call"
                | "answering"
                | "website"
                | "web"
        )
    }) || lower.contains("on-call")
}

/// A time as written: hour and minute, and what it said about am/pm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Clock {
    hour: u32,
    minute: u32,
    mer: Mer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mer {
    Am,
    Pm,
    Bare,
    Noon,
    Midnight,
}

/// A resolved range, minutes after midnight; `end` may be before `start` (past midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u32,
    end: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// Digits as written, with minutes and an am/pm suffix when given.
    Num {
        hour: u32,
        minute: u32,
        mer: Mer,
        ok: bool,
        plain: bool,
    },
    Word(String),
    Dash,
    Sep,
    Slash,
}

fn lex(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let (tok, next) = lex_number(&chars, i);
            toks.push(tok);
            i = next;
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '\'') {
                i += 1;
            }
            toks.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            match c {
                '-' => toks.push(Tok::Dash),
                '/' => toks.push(Tok::Slash),
                ',' | '&' | ':' | '+' => toks.push(Tok::Sep),
                _ => {} // spaces, full stops of abbreviations, stars and quotes
            }
            i += 1;
        }
    }
    toks
}

/// Reads `9`, `9:30`, `7:30:00`, `830am`, `9 a.m.`, `5p`; digits glued to other letters
/// (`1st`, `24hrs`) become one word.
fn lex_number(chars: &[char], start: usize) -> (Tok, usize) {
    let digits = |from: usize| chars[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n1 = digits(start);
    let mut i = start + n1;
    let first: String = chars[start..i].iter().collect();
    let mut minute_text: Option<String> = None;
    if i + 1 < chars.len() && chars[i] == ':' && chars[i + 1].is_ascii_digit() {
        let n2 = digits(i + 1);
        minute_text = Some(chars[i + 1..i + 1 + n2].iter().collect());
        i += 1 + n2;
        // Seconds (`7:30:00am`) say nothing more.
        if i + 1 < chars.len() && chars[i] == ':' && chars[i + 1].is_ascii_digit() {
            i += 1 + digits(i + 1);
        }
    }
    // Digits glued to letters: a suffix (`9am`, `5p`) or a word (`1st`, `24hrs`).
    if i < chars.len() && chars[i].is_alphabetic() {
        let (mer, _) = meridiem(chars, i);
        if mer.is_none() {
            let mut j = i;
            while j < chars.len() && chars[j].is_alphanumeric() {
                j += 1;
            }
            return (Tok::Word(chars[start..j].iter().collect()), j);
        }
    }
    let mut mer = Mer::Bare;
    let mut j = i;
    while j < chars.len() && chars[j] == ' ' {
        j += 1;
    }
    if j < chars.len()
        && let (Some(m), len) = meridiem(chars, j)
    {
        // One-letter suffixes only count when glued to the digits (`9:00a`), so that
        // "9-5 a week" is not read as 5 am.
        if len > 1 || j == i {
            mer = m;
            i = j + len;
        }
    }
    let plain = minute_text.is_none() && mer == Mer::Bare;
    let (hour, minute, ok) = match (&minute_text, first.len()) {
        (Some(m), 1 | 2) => {
            let minute = match m.len() {
                2 => m.parse().unwrap_or(99),
                1 if m == "0" => 0,
                _ => 99,
            };
            let hour: u32 = first.parse().unwrap_or(99);
            (hour, minute, hour <= 24 && minute < 60)
        }
        (None, 1 | 2) => {
            let hour: u32 = first.parse().unwrap_or(99);
            (hour, 0, hour <= 24)
        }
        // `830am`: hours and minutes run together, only trusted with a suffix.
        (None, 3 | 4) if mer != Mer::Bare => {
            let v: u32 = first.parse().unwrap_or(9999);
            (v / 100, v % 100, v / 100 <= 12 && v % 100 < 60)
        }
        _ => (0, 0, false),
    };
    let ok = ok && !(matches!(mer, Mer::Am | Mer::Pm) && (hour == 0 || hour > 12));
    (Tok::Num { hour, minute, mer, ok, plain }, i)
}

/// An am/pm suffix at `i`: `am`, `pm`, `a.m.`, `p.m`, `a`, `p`, not followed by a letter.
fn meridiem(chars: &[char], i: usize) -> (Option<Mer>, usize) {
    let lower = |k: usize| chars.get(i + k).map(|c| c.to_ascii_lowercase());
    let mer = match lower(0) {
        Some('a') => Mer::Am,
        Some('p') => Mer::Pm,
        _ => return (None, 0),
    };
    let mut len = 1;
    if lower(1) == Some('m') {
        len = 2;
    } else if lower(1) == Some('.') && lower(2) == Some('m') {
        len = 3;
        if lower(3) == Some('.') {
            len = 4;
        }
    }
    if chars.get(i + len).is_some_and(|c| c.is_alphabetic()) {
        return (None, 0);
    }
    (Some(mer), len)
}

/// What a part is made of, once words are classified.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Days(Vec<Weekday>),
    /// `daily`: every day (kept apart from named days only for label detection).
    Everyday,
    /// `24 hours`: all day.
    AllDay,
    Time(Clock),
    Dash,
    Sep,
    Unknown(String),
}

fn day_word(w: &str) -> Option<Weekday> {
    let w = w.trim_end_matches('.');
    // Typos seen in the data.
    let w = match w {
        "firday" => "friday",
        "satuday" | "saturnday" => "saturday",
        "thru" => return None,
        _ => w,
    };
    Weekday::parse(w).or_else(|| {
        w.strip_suffix('s').filter(|s| s.len() >= 3 && *s != "thur").and_then(Weekday::parse)
    })
}

/// Classifies tokens; the second value is true when a slash-separated `24/7` was seen.
fn items(toks: &[Tok]) -> (Vec<Item>, bool) {
    use Weekday::*;
    let mut out = Vec::new();
    let mut i = 0;
    let word = |k: usize| match toks.get(k) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let mut slash_247 = false;
    while i < toks.len() {
        match &toks[i] {
            Tok::Num { hour: 24, minute: 0, plain: true, .. } => {
                // `24 hours`, `24-hour`, `24 hr`, `24/7`.
                let mut j = i + 1;
                if toks.get(j) == Some(&Tok::Dash) {
                    j += 1;
                }
                if matches!(word(j), Some("hours" | "hour" | "hrs" | "hr")) {
                    out.push(Item::AllDay);
                    i = skip_filler(toks, j + 1);
                    continue;
                }
                if toks.get(i + 1) == Some(&Tok::Slash)
                    && matches!(toks.get(i + 2), Some(Tok::Num { hour: 7, plain: true, .. }))
                {
                    out.push(Item::AllDay);
                    slash_247 = true;
                    i += 3;
                    continue;
                }
                out.push(num_item(&toks[i]));
                i += 1;
            }
            Tok::Num { hour: 7, minute: 0, plain: true, .. } if word(i + 1) == Some("days") => {
                // `7 days a week`.
                out.push(Item::Everyday);
                i = skip_filler(toks, i + 2);
            }
            Tok::Num { hour: 12, minute: 0, mer: Mer::Bare, .. }
                if matches!(word(i + 1), Some("noon" | "midnight")) =>
            {
                i += 1; // `12 noon`: the word says it.
            }
            Tok::Num { .. } => {
                out.push(num_item(&toks[i]));
                i += 1;
            }
            Tok::Dash => {
                out.push(Item::Dash);
                i += 1;
            }
            Tok::Sep | Tok::Slash => {
                out.push(Item::Sep);
                i += 1;
            }
            Tok::Word(w) => {
                let w = w.as_str();
                let item = match w {
                    // `Mon-Thru` is Monday to Thursday; elsewhere `thru` joins a range.
                    "thru" if out.last() == Some(&Item::Dash) => Item::Days(vec![Th]),
                    "to" | "thru" | "through" | "until" | "till" | "til" => Item::Dash,
                    "daily" | "everyday" => Item::Everyday,
                    "every" if word(i + 1) == Some("day") => {
                        i += 1;
                        Item::Everyday
                    }
                    "weekdays" | "weeknights" => Item::Days(vec![Mo, Tu, We, Th, Fr]),
                    "weekend" | "weekends" => Item::Days(vec![Sa, Su]),
                    "noon" => Item::Time(Clock { hour: 12, minute: 0, mer: Mer::Noon }),
                    "midnight" => Item::Time(Clock { hour: 12, minute: 0, mer: Mer::Midnight }),
                    "hrs" | "24hrs" | "24hr" if w != "hrs" => Item::AllDay,
                    "and" | "or" | "on" | "at" | "from" | "holidays" | "holiday" => Item::Sep,
                    "january" if word(i + 1).is_none() && word(i + 2) == Some("december") => {
                        // `January - December`: all year, which says nothing.
                        i += 2;
                        Item::Sep
                    }
                    _ => match day_word(w) {
                        Some(d) => Item::Days(vec![d]),
                        None => Item::Unknown(w.to_owned()),
                    },
                };
                out.push(item);
                i += 1;
            }
        }
    }
    (out, slash_247)
}

/// Skips `a day`, `a week`, `per day`, `facility` after `24 hours` or `7 days`.
fn skip_filler(toks: &[Tok], mut i: usize) -> usize {
    loop {
        match toks.get(i) {
            Some(Tok::Word(w)) if matches!(w.as_str(), "a" | "per") => {
                if matches!(toks.get(i + 1), Some(Tok::Word(x)) if x == "day" || x == "week") {
                    i += 2;
                } else {
                    return i;
                }
            }
            Some(Tok::Word(w)) if w == "facility" => i += 1,
            _ => return i,
        }
    }
}

fn num_item(t: &Tok) -> Item {
    match *t {
        Tok::Num { hour, minute, mer, ok: true, .. } => Item::Time(Clock { hour, minute, mer }),
        _ => Item::Unknown("<bad number>".into()),
    }
}

/// Removes parenthesised notes without digits (`(dispensing)`, `(EST)`); the bool is false
/// when a parenthesis holds digits (`(Feb 9, 16, 23)`), which makes a part not weekly.
fn strip_parentheses(s: &str) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut inner = String::new();
    let mut weekly = true;
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                inner.clear();
            }
            ')' if depth > 0 => {
                depth -= 1;
                if inner.chars().any(|c| c.is_ascii_digit()) {
                    weekly = false;
                }
                out.push(' ');
            }
            ')' => out.push(' '),
            _ if depth > 0 => inner.push(c),
            _ => out.push(c),
        }
    }
    if depth > 0 && inner.chars().any(|c| c.is_ascii_digit()) {
        weekly = false;
    }
    (out, weekly)
}

enum PartResult {
    /// Sessions read; the bool says one of them came from "24 hours".
    Sessions(Vec<Session>, bool),
    /// Read, but it yields no session (`Saturdays by appointment only`).
    Understood,
    /// Only time ranges, no days: may be the first half of `8-12; 1-5, Mon-Fri`.
    TimesOnly(Vec<Range>),
    Unparsed,
}

/// Phrases about appointments, longest first; what is left must still make sense.
const APPOINTMENT_PHRASES: [&str; 8] = [
    "services provided by appointment only",
    "by appointment only",
    "appointments only",
    "appointment only",
    "with an appointment",
    "by appointment",
    "by appt",
    "appointment",
];

fn parse_part(
    part: &str,
    label: Option<&str>,
    opts: HoursOptions,
    carried: Option<&Vec<Range>>,
) -> PartResult {
    let mut lower = part.to_lowercase();
    let mut appointment = false;
    for p in APPOINTMENT_PHRASES {
        if lower.contains(p) {
            appointment = true;
            lower = lower.replace(p, " ");
        }
    }
    // Notes in parentheses without digits (`(dispensing)`, `(Closed federal holidays)`) say
    // nothing about the weekly hours; with digits they are dates or exceptions.
    let (stripped, weekly) = strip_parentheses(&lower);
    if !weekly
        || label.is_some_and(|l| is_seasonal_or_closure(&l.to_lowercase()) || not_attended(l))
        || is_seasonal_or_closure(&stripped)
    {
        return PartResult::Unparsed;
    }
    let (items, _) = items(&lex(&stripped));
    if items.iter().any(|i| matches!(i, Item::Unknown(_))) {
        return PartResult::Unparsed;
    }
    let Some(groups) = group(&items, opts) else { return PartResult::Unparsed };
    let has_times = groups.iter().any(|g| !g.ranges.is_empty() || g.all_day);
    let has_days = groups.iter().any(|g| g.days.is_some());
    if !has_times {
        // Days alone are only a statement when they are "by appointment".
        return if appointment || groups.is_empty() && !items.is_empty() {
            PartResult::Understood
        } else {
            PartResult::Unparsed
        };
    }
    if !has_days && groups.iter().all(|g| !g.all_day) {
        let ranges = groups.into_iter().flat_map(|g| g.ranges).collect();
        return PartResult::TimesOnly(ranges);
    }
    let kind = kind_for_label(label);
    let mut sessions = Vec::new();
    let mut all_day_seen = false;
    for (gi, g) in groups.iter().enumerate() {
        let days: Vec<Weekday> = match &g.days {
            Some(d) => d.iter().copied().collect(),
            None if g.all_day => Weekday::ALL.to_vec(),
            None => return PartResult::Unparsed,
        };
        let mut ranges = g.ranges.clone();
        if gi == 0
            && let Some(c) = carried
        {
            ranges.splice(0..0, c.iter().copied());
        }
        if g.all_day {
            all_day_seen = true;
            ranges.push(Range { start: 0, end: 24 * 60 });
        }
        for r in ranges {
            sessions.push(Session {
                days: days.clone(),
                start: format_hhmm(r.start),
                end: format_hhmm(r.end),
                format: None,
                kind,
                label: label.map(str::to_owned),
                valid_from: None,
                valid_to: None,
            });
        }
    }
    PartResult::Sessions(sessions, all_day_seen)
}

/// Days with their time ranges.
#[derive(Debug, Default)]
struct Group {
    days: Option<BTreeSet<Weekday>>,
    ranges: Vec<Range>,
    all_day: bool,
}

/// One run of days or of times, in text order.
#[derive(Debug)]
enum Run {
    Days(BTreeSet<Weekday>),
    Times(Vec<Range>, bool),
}

/// Folds day spans and time ranges, then pairs runs of days with runs of times, whichever
/// comes first. `None` when the shape is not a schedule (a lone time, a dangling dash).
fn group(items: &[Item], opts: HoursOptions) -> Option<Vec<Group>> {
    let mut runs: Vec<Run> = Vec::new();
    let mut i = 0;
    let mut last_was_sep = true;
    while i < items.len() {
        match &items[i] {
            Item::Sep | Item::Dash => {
                last_was_sep = true;
                i += 1;
                continue;
            }
            Item::Days(_) | Item::Everyday => {
                let first = match &items[i] {
                    Item::Days(d) => d.clone(),
                    _ => Weekday::ALL.to_vec(),
                };
                let mut set: BTreeSet<Weekday> = first.iter().copied().collect();
                // A span: `Mon - Fri`, `Monday to Thursday`.
                if matches!(items.get(i + 1), Some(Item::Dash))
                    && let Some(Item::Days(to)) = items.get(i + 2)
                    && let (Some(&a), Some(&b)) = (first.first(), to.first())
                {
                    set = span(a, b);
                    i += 2;
                }
                match runs.last_mut() {
                    Some(Run::Days(prev)) => prev.extend(set),
                    _ => runs.push(Run::Days(set)),
                }
                i += 1;
            }
            Item::AllDay => {
                match runs.last_mut() {
                    Some(Run::Times(_, all)) => *all = true,
                    _ => runs.push(Run::Times(Vec::new(), true)),
                }
                i += 1;
            }
            Item::Time(start) => {
                // `9-5`, `9 to 5`, `- -`, or two times side by side (`2:00pm 6:00pm`).
                let mut j = i + 1;
                let mut dashed = false;
                while matches!(items.get(j), Some(Item::Dash)) {
                    dashed = true;
                    j += 1;
                }
                let Some(Item::Time(end)) = items.get(j) else { return None };
                if !dashed && !last_was_sep && !matches!(runs.last(), Some(Run::Days(_))) {
                    return None;
                }
                let range = resolve(*start, *end, opts)?;
                match runs.last_mut() {
                    Some(Run::Times(ranges, _)) => ranges.push(range),
                    _ => runs.push(Run::Times(vec![range], false)),
                }
                i = j + 1;
            }
            Item::Unknown(_) => return None,
        }
        last_was_sep = false;
    }
    let mut groups = Vec::new();
    let days_first = matches!(runs.first(), Some(Run::Days(_)));
    let mut current = Group::default();
    for run in runs {
        let (have_days, have_times) =
            (current.days.is_some(), !current.ranges.is_empty() || current.all_day);
        match run {
            Run::Days(d) => {
                if have_days || (!days_first && !have_times) {
                    return None;
                }
                current.days = Some(d);
                if !days_first {
                    groups.push(std::mem::take(&mut current));
                }
            }
            Run::Times(r, all) => {
                if have_times || (days_first && !have_days) {
                    return None;
                }
                current.ranges = r;
                current.all_day = all;
                if days_first {
                    groups.push(std::mem::take(&mut current));
                }
            }
        }
    }
    let (have_days, have_times) =
        (current.days.is_some(), !current.ranges.is_empty() || current.all_day);
    if have_times && !have_days && !groups.is_empty() {
        // Trailing times after complete groups (`Mon-Fri 9-5, 6-8`) cannot be placed.
        return None;
    }
    if have_days || have_times {
        groups.push(current);
    }
    Some(groups)
}

/// Every day from `a` to `b`, wrapping past Sunday (`Tue-Sun`, `Sunday-Saturday`).
fn span(a: Weekday, b: Weekday) -> BTreeSet<Weekday> {
    let (a, b) = (a as usize, b as usize);
    let len = (b + 7 - a) % 7 + 1;
    (0..len).map(|k| Weekday::ALL[(a + k) % 7]).collect()
}

/// Minutes after midnight of a time that says am, pm, noon or midnight. `as_end` reads
/// `12:00am` and `midnight` as 24:00.
fn explicit(c: Clock, as_end: bool) -> Option<u32> {
    let v = match c.mer {
        Mer::Noon => 12 * 60,
        Mer::Midnight => {
            if as_end {
                24 * 60
            } else {
                0
            }
        }
        Mer::Am if c.hour == 12 => {
            if as_end && c.minute == 0 {
                24 * 60
            } else {
                c.minute
            }
        }
        Mer::Am => c.hour * 60 + c.minute,
        Mer::Pm => (c.hour % 12 + 12) * 60 + c.minute,
        Mer::Bare => return None,
    };
    Some(v)
}

/// A bare time that is already unambiguous: 0:xx or 13:00 and later (24-hour clock).
fn twenty_four(c: Clock) -> Option<u32> {
    (c.mer == Mer::Bare && (c.hour == 0 || c.hour >= 13)).then_some(c.hour * 60 + c.minute)
}

/// Resolves a range, reading missing am/pm as the module docs say.
fn resolve(s: Clock, e: Clock, opts: HoursOptions) -> Option<Range> {
    let h = |c: Clock| c.hour * 60 + c.minute;
    let (start, end) = match (explicit(s, false), explicit(e, true)) {
        (Some(a), Some(b)) => (a, b),
        (None, Some(b)) => {
            let a = match twenty_four(s) {
                Some(a) => a,
                None => {
                    // Same half of the day as the end if that runs forward, else the other.
                    let am = if s.hour == 12 { s.minute } else { h(s) };
                    let pm = (s.hour % 12 + 12) * 60 + s.minute;
                    let end_is_pm = b >= 12 * 60;
                    let (same, other) = if end_is_pm { (pm, am) } else { (am, pm) };
                    if same < b { same } else { other }
                }
            };
            (a, b)
        }
        (Some(a), None) => {
            let b = match twenty_four(e) {
                Some(b) => b,
                None => {
                    let am = if e.hour == 12 { 12 * 60 + e.minute } else { h(e) };
                    let pm = if e.hour == 12 { 24 * 60 + e.minute } else { am + 12 * 60 };
                    if am > a {
                        am
                    } else if pm > a && pm <= 24 * 60 {
                        pm
                    } else {
                        am // runs past midnight
                    }
                }
            };
            (a, b)
        }
        (None, None) => bare_range(s, e, opts)?,
    };
    let start = if start == 24 * 60 { 0 } else { start };
    let end = if end == 0 { 24 * 60 } else { end };
    if start >= 24 * 60 || end > 24 * 60 || start == end {
        return None;
    }
    Some(Range { start, end })
}

/// Both ends bare (`8-5`, `9-11:30`, `13-17`).
fn bare_range(s: Clock, e: Clock, opts: HoursOptions) -> Option<(u32, u32)> {
    let h = |c: Clock| c.hour * 60 + c.minute;
    if !opts.assume_pm_for_small_end
        || twenty_four(s).is_some()
        || twenty_four(e).is_some()
        || e.hour == 24
    {
        let (a, b) = (h(s), h(e));
        return (b > a).then_some((a, b));
    }
    let s_am = if s.hour == 12 { 12 * 60 + s.minute } else { h(s) };
    let s_pm = (s.hour % 12 + 12) * 60 + s.minute;
    let starts: &[u32] = if (1..=6).contains(&s.hour) { &[s_pm, s_am] } else { &[s_am] };
    for &a in starts {
        let b = if e.hour == 12 {
            let noon = 12 * 60 + e.minute;
            if noon > a {
                noon
            } else if e.minute == 0 {
                24 * 60
            } else {
                continue;
            }
        } else {
            let (am, pm) = (h(e), h(e) + 12 * 60);
            if pm > a && (pm - a <= 14 * 60 || am <= a) {
                pm
            } else if am > a {
                am
            } else {
                continue;
            }
        };
        return Some((a, b));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn sessions(text: &str) -> Vec<(Vec<Weekday>, String, String)> {
        parse_hours(text, HoursOptions::default())
            .sessions
            .into_iter()
            .map(|s| (s.days, s.start, s.end))
            .collect()
    }

    fn s(days: &[Weekday], start: &str, end: &str) -> (Vec<Weekday>, String, String) {
        (days.to_vec(), start.into(), end.into())
    }

    #[test]
    fn ranges_and_day_spans() {
        assert_eq!(sessions("9am-5pm, Mon-Fri"), vec![s(&[Mo, Tu, We, Th, Fr], "09:00", "17:00")]);
        assert_eq!(sessions("Tue-Sun, 10-4"), vec![s(&[Tu, We, Th, Fr, Sa, Su], "10:00", "16:00")]);
        assert_eq!(sessions("Sunday-Saturday, 8-5"), vec![s(&Weekday::ALL, "08:00", "17:00")]);
        assert_eq!(sessions("Tues & Thurs 1 pm-4 pm"), vec![s(&[Tu, Th], "13:00", "16:00")]);
        assert_eq!(sessions("M-F, 8am-10pm"), vec![s(&[Mo, Tu, We, Th, Fr], "08:00", "22:00")]);
        assert_eq!(sessions("weekends 9-1"), vec![s(&[Sa, Su], "09:00", "13:00")]);
        assert_eq!(
            sessions("10:00am-5:30pm, Mon-Thru"),
            vec![s(&[Mo, Tu, We, Th], "10:00", "17:30")]
        );
    }

    #[test]
    fn times_before_or_after_days_and_real_newlines() {
        assert_eq!(sessions("Mon-Fri 9-5"), vec![s(&[Mo, Tu, We, Th, Fr], "09:00", "17:00")]);
        assert_eq!(
            sessions("9:00am-5:00pm, Mon-Fri"),
            vec![s(&[Mo, Tu, We, Th, Fr], "09:00", "17:00")]
        );
        assert_eq!(sessions("weekdays 9am-5pm"), vec![s(&[Mo, Tu, We, Th, Fr], "09:00", "17:00")]);
        assert_eq!(sessions("7 days a week, 8-8"), vec![s(&Weekday::ALL, "08:00", "20:00")]);
        assert_eq!(
            sessions("Monday-Thursday 6 pm to 9 pm"),
            vec![s(&[Mo, Tu, We, Th], "18:00", "21:00")]
        );
        assert_eq!(
            sessions("9am-5pm, Mon-Fri\n10am-2pm, Sat"),
            vec![s(&[Mo, Tu, We, Th, Fr], "09:00", "17:00"), s(&[Sa], "10:00", "14:00")]
        );
        assert_eq!(
            sessions("9am-5pm, Mon-Fri\n10am-2pm, Sat").len(),
            sessions("9am-5pm, Mon-Fri\\n10am-2pm, Sat").len(),
            "real newlines and the two characters backslash-n read the same"
        );
    }

    #[test]
    fn noon_midnight_and_24_hours() {
        assert_eq!(sessions("8:00am-Noon, Fri"), vec![s(&[Fr], "08:00", "12:00")]);
        assert_eq!(
            sessions("Daily, 5:30 am-12 midnight"),
            vec![s(&Weekday::ALL, "05:30", "24:00")]
        );
        assert_eq!(sessions("4:00pm-12:00am, Mon"), vec![s(&[Mo], "16:00", "24:00")]);
        assert_eq!(sessions("12:00am-8:00pm, Mon"), vec![s(&[Mo], "00:00", "20:00")]);
        let p = parse_hours("24 hours", HoursOptions::default());
        assert!(p.twenty_four_hours);
        assert_eq!(p.coverage(), Coverage::Full);
        assert_eq!(sessions("24 hours"), vec![s(&Weekday::ALL, "00:00", "24:00")]);
        assert_eq!(sessions("24/7, Sat, Sun"), vec![s(&[Sa, Su], "00:00", "24:00")]);
    }

    #[test]
    fn bare_times_without_the_pm_assumption_are_24_hour() {
        let opts = HoursOptions { assume_pm_for_small_end: false };
        let p = parse_hours("Monday, 13-17", opts);
        assert_eq!(p.sessions[0].start, "13:00");
        assert_eq!(p.sessions[0].end, "17:00");
        assert_eq!(parse_hours("Monday, 8-5", opts).coverage(), Coverage::None);
        assert_eq!(sessions("Monday, 8-5"), vec![s(&[Mo], "08:00", "17:00")]);
    }

    #[test]
    fn seasons_closures_dates_and_single_times_are_left_unparsed() {
        for text in [
            "Summer Hours:\n8:00am-2:00pm, Mon, Thur",
            "Closed daily 12:00pm-1:00pm for lunch",
            "9:00am-12:00pm, Sat (Feb 9, 16, 23)",
            "7:00pm, Tue, Fri, Sat",
            "8:00am-4:30pm, Every 3rd Saturday of each month",
            "Monday-Friday",
            "9-5",
        ] {
            let p = parse_hours(text, HoursOptions::default());
            assert!(p.sessions.is_empty(), "{text:?} gave {:?}", p.sessions);
            assert_eq!(p.coverage(), Coverage::None, "{text:?}");
        }
    }

    fn full(text: &str) -> HoursParse {
        let p = parse_hours(text, HoursOptions::default());
        assert_eq!(p.coverage(), Coverage::Full, "{text:?}: unparsed {:?}", p.unparsed);
        p
    }

    const WEEKDAYS: [Weekday; 5] = [Mo, Tu, We, Th, Fr];

    // Real texts from the 2-1-1 Miami export (`regular_schedules.original_text`, escapes kept).
    #[test]
    fn miami_service_1276_two_parts() {
        let p = full("10:00am-9:00pm, Mon-Thur;\\n9:00am-2:30pm, Fri");
        let got: Vec<_> = p.sessions.iter().map(|s| (s.days.clone(), &*s.start, &*s.end)).collect();
        assert_eq!(
            got,
            vec![(vec![Mo, Tu, We, Th], "10:00", "21:00"), (vec![Fr], "09:00", "14:30"),]
        );
        assert!(p.sessions.iter().all(|s| s.kind == SessionKind::OfficeHours && s.label.is_none()));
    }

    #[test]
    fn miami_service_8852_evening_iop() {
        let text = "Office Hours: \\n9:00am-5:30pm, Mon-Fri\\n\\nEvening IOP:  \\n6:00pm-9:00pm, \
                    Mon, Wed, Thur\\n\\nSaturdays by Appointment Only\\n\\nFlexible day and \
                    evening programs to accommodate work schedules.";
        let p = parse_hours(text, HoursOptions::default());
        assert_eq!(p.sessions.len(), 2);
        let office = &p.sessions[0];
        assert_eq!(
            (office.days.as_slice(), &*office.start, &*office.end),
            (&WEEKDAYS[..], "09:00", "17:30")
        );
        assert_eq!(office.kind, SessionKind::OfficeHours);
        assert_eq!(office.label.as_deref(), Some("Office Hours"));
        let iop = &p.sessions[1];
        assert_eq!(
            (iop.days.as_slice(), &*iop.start, &*iop.end),
            (&[Mo, We, Th][..], "18:00", "21:00")
        );
        assert_eq!(iop.kind, SessionKind::Program);
        assert_eq!(iop.label.as_deref(), Some("Evening IOP"));
        assert!(p.by_appointment, "Saturdays by Appointment Only");
        assert_eq!(
            p.unparsed,
            vec!["Flexible day and evening programs to accommodate work schedules"]
        );
        assert_eq!(p.coverage(), Coverage::Partial);
        assert!(p.text.contains("\nEvening IOP:"), "escapes become newlines in the text");
    }

    #[test]
    fn miami_mojibake_dashes_and_odd_spacing() {
        for (text, days, start, end) in [
            ("8:30amGÇô5:00pm, Mon-Fri", &WEEKDAYS[..], "08:30", "17:00"),
            ("9:15amGÇô10:30am, Mon, Wed", &[Mo, We][..], "09:15", "10:30"),
            ("7:30 am -6:00 pm, Mon-Fri", &WEEKDAYS[..], "07:30", "18:00"),
            ("10:00am- -3:00pm, Mon-Fri", &WEEKDAYS[..], "10:00", "15:00"),
            ("830am-5:30pm, Mon-Fri", &WEEKDAYS[..], "08:30", "17:30"),
            ("9:00a-5:00pm, Mon-Fri", &WEEKDAYS[..], "09:00", "17:00"),
            ("8:00-4:00pm, Mon-Fri", &WEEKDAYS[..], "08:00", "16:00"),
            ("8:00am-5:00, Mon-Fri", &WEEKDAYS[..], "08:00", "17:00"),
            ("5:00-7:00pm, Wed", &[We][..], "17:00", "19:00"),
            ("2:00pm 6:00pm, Mon-Fri", &WEEKDAYS[..], "14:00", "18:00"),
            ("9:00am-5:00pm Mon, Tue, Wed, Fri", &[Mo, Tu, We, Fr][..], "09:00", "17:00"),
            ("9am-12:30pm, Mon-Fri", &WEEKDAYS[..], "09:00", "12:30"),
            ("3:05pm-6:05pm, Mon-Tue, Thur, Fri", &[Mo, Tu, Th, Fr][..], "15:05", "18:05"),
            ("9:00am-5:00pm, Mon, Wed-Sun", &[Mo, We, Th, Fr, Sa, Su][..], "09:00", "17:00"),
            ("4:00pmGÇô5:00pm, Tue, Thur", &[Tu, Th][..], "16:00", "17:00"),
        ] {
            let p = full(text);
            assert_eq!(p.sessions.len(), 1, "{text:?}");
            let s = &p.sessions[0];
            assert_eq!((s.days.as_slice(), &*s.start, &*s.end), (days, start, end), "{text:?}");
        }
    }

    #[test]
    fn miami_split_shifts_and_several_parts() {
        let p = full("8:00am-12:00pm; 1:00pm-5:00pm, Mon-Fri");
        let got: Vec<_> = p.sessions.iter().map(|s| (&*s.start, &*s.end, s.days.len())).collect();
        assert_eq!(got, vec![("08:00", "12:00", 5), ("13:00", "17:00", 5)]);

        let p = full(
            "9:00am-1:00pm / 2:00pm-6:00pm, Mon, Wed, Thur;\\n9:00am-1:00pm / 2:00pm-5:00pm, Fri;",
        );
        assert_eq!(p.sessions.len(), 4);
        assert_eq!(p.sessions[3].days, vec![Fr]);
        assert_eq!(p.sessions[3].end, "17:00");

        let p = full(
            "11:30am-5:00pm, Mon;\\n9:00am-5:00pm, Tue, Wed;\\n9:30am-3:00pm & 5:00pm-7:00pm, Sun",
        );
        let sun: Vec<_> =
            p.sessions.iter().filter(|s| s.days == [Su]).map(|s| (&*s.start, &*s.end)).collect();
        assert_eq!(sun, vec![("09:30", "15:00"), ("17:00", "19:00")]);

        let p = full("Food Pantry:\\n10:00am-11:00am AND 6:45pm-7:45pm, Tue");
        assert_eq!(p.sessions.len(), 2);
        assert_eq!(p.sessions[1].start, "18:45");

        let p = full("4:00pm-12:00am, Mon-Fri;\\n12:00pm-5:00pm, Sat");
        assert_eq!((&*p.sessions[0].start, &*p.sessions[0].end), ("16:00", "24:00"));
        assert_eq!((&*p.sessions[1].start, &*p.sessions[1].end), ("12:00", "17:00"));
    }

    #[test]
    fn miami_24_hours_and_labelled_blocks() {
        let p = parse_hours(
            "24 hours a day, 7 days a week\\n\\n9:00am-8pm, Mon- Thurs\\n9:00am-5:00pm, Fri",
            HoursOptions::default(),
        );
        assert_eq!(p.coverage(), Coverage::Full);
        assert!(p.twenty_four_hours);
        assert_eq!(p.sessions[0].days, Weekday::ALL.to_vec());
        assert_eq!((&*p.sessions[0].start, &*p.sessions[0].end), ("00:00", "24:00"));
        assert_eq!((&*p.sessions[1].end, p.sessions[1].days.len()), ("20:00", 4));

        let p = full(
            "Adult Sessions:\\n8:00pm-9:30pm, Mon-Sat;\\n7:00pm-8:30pm, Sun\\n\\nWomen Sessions:\\n6:30pm-7:00pm, Sat",
        );
        assert!(p.sessions.iter().all(|s| s.kind == SessionKind::Program));
        assert_eq!(p.sessions[2].label.as_deref(), Some("Women Sessions"));

        // A crisis line open all night is not when the place can be attended.
        let p = parse_hours(
            "Administrative Hours:\\n8:30am-5:00pm, Mon-Fri\\n\\nTelecare:\\n4:00pm-8:00am, Mon-Fri\\n24/7, Sat, Sun\\n\\nCare Line:\\n8:00am-4:30pm, Mon-Fri",
            HoursOptions::default(),
        );
        assert_eq!(p.sessions.len(), 3, "{:?}", p.sessions);
        assert_eq!((&*p.sessions[1].start, &*p.sessions[1].end), ("16:00", "08:00"), "overnight");
        assert_eq!(p.unparsed, vec!["Care Line: 8:00am-4:30pm, Mon-Fri"]);
    }

    #[test]
    fn miami_program_kinds_follow_labels() {
        let p =
            full("Administrative:\\n12:00pm-8:00pm, Mon-Fri\\n\\nProgram:\\n6:00pm-8:00pm, Wed");
        assert_eq!(p.sessions[0].kind, SessionKind::OfficeHours);
        assert_eq!(p.sessions[1].kind, SessionKind::Program);
        let p = full("Depression Group:\\n10:30am-12:00pm, Thur");
        assert_eq!(p.sessions[0].kind, SessionKind::Program);
        let p = full(
            "Administrative Hours:\\n9:30am-6:00pm, Mon-Fri\\n\\nJob Placement Program Hours:\\n9:30am-5:00pm, Mon, Tue, Wed",
        );
        assert_eq!(p.sessions[1].kind, SessionKind::OfficeHours, "program *hours* are a door");
    }

    // Real texts from the Ohana San Mateo export (`locations.hours`): no am/pm.
    #[test]
    fn ohana_bare_hours() {
        for (text, expected) in [
            (
                "Monday-Thursday, 9-9; Friday, 9-2",
                vec![(&[Mo, Tu, We, Th][..], "09:00", "21:00"), (&[Fr][..], "09:00", "14:00")],
            ),
            (
                "Monday-Friday, 8:30-7; Saturday, 8-4:30",
                vec![(&WEEKDAYS[..], "08:30", "19:00"), (&[Sa][..], "08:00", "16:30")],
            ),
            ("Monday-Friday, 8-5", vec![(&WEEKDAYS[..], "08:00", "17:00")]),
            ("Monday-Friday, 10-9", vec![(&WEEKDAYS[..], "10:00", "21:00")]),
            ("Monday-Friday, 12-6", vec![(&WEEKDAYS[..], "12:00", "18:00")]),
            (
                "Monday-Friday, 8-12, 1-5",
                vec![(&WEEKDAYS[..], "08:00", "12:00"), (&WEEKDAYS[..], "13:00", "17:00")],
            ),
            ("Tuesday, 7-9:30 pm", vec![(&[Tu][..], "19:00", "21:30")]),
            ("Monday-Friday, 8 am-10 pm", vec![(&WEEKDAYS[..], "08:00", "22:00")]),
            ("Monday-Friday, 9-11:30", vec![(&WEEKDAYS[..], "09:00", "11:30")]),
            ("Monday-Friday, 6:30-6", vec![(&WEEKDAYS[..], "06:30", "18:00")]),
            ("Monday-Friday, 1-5", vec![(&WEEKDAYS[..], "13:00", "17:00")]),
            ("Monday-Friday, 4-10", vec![(&WEEKDAYS[..], "16:00", "22:00")]),
            (
                "Monday-Wednesday, 10-9 pm; Thursday-Saturday, 10-6 pm; Sunday 12 noon-6 pm",
                vec![
                    (&[Mo, Tu, We][..], "10:00", "21:00"),
                    (&[Th, Fr, Sa][..], "10:00", "18:00"),
                    (&[Su][..], "12:00", "18:00"),
                ],
            ),
            (
                "Mon., Wed., Fri., 8-11, 1-4",
                vec![(&[Mo, We, Fr][..], "08:00", "11:00"), (&[Mo, We, Fr][..], "13:00", "16:00")],
            ),
            (
                "Mon.-Fri., 9-6:30, Sat., 9-11:45",
                vec![(&WEEKDAYS[..], "09:00", "18:30"), (&[Sa][..], "09:00", "11:45")],
            ),
            (
                "Monday & Friday: 10:00am-3:30pm Tuesday, Wednesday, and Thursday: 10:00am-2:30pm",
                vec![(&[Mo, Fr][..], "10:00", "15:30"), (&[Tu, We, Th][..], "10:00", "14:30")],
            ),
            ("Monday-Friday, 7:30-4;30", vec![(&WEEKDAYS[..], "07:30", "16:30")]),
            ("24 hours daily", vec![(&Weekday::ALL[..], "00:00", "24:00")]),
            ("Daily, 8-5", vec![(&Weekday::ALL[..], "08:00", "17:00")]),
            ("Saturday, Sunday, 9-5", vec![(&[Sa, Su][..], "09:00", "17:00")]),
            ("Monday-Firday, 9-5", vec![(&WEEKDAYS[..], "09:00", "17:00")]),
            ("Monday-Friday, 9-5 (Central Time)", vec![(&WEEKDAYS[..], "09:00", "17:00")]),
            (
                "Monday-Thursday, 9-12, 1-4 (Closed federal holidays)",
                vec![
                    (&[Mo, Tu, We, Th][..], "09:00", "12:00"),
                    (&[Mo, Tu, We, Th][..], "13:00", "16:00"),
                ],
            ),
            ("Drop-off Hours: Every day 9am-5pm", vec![(&Weekday::ALL[..], "09:00", "17:00")]),
            (
                "24 hours on weekends and holidays, 6 pm-8 am weeknights",
                vec![(&[Sa, Su][..], "00:00", "24:00"), (&WEEKDAYS[..], "18:00", "08:00")],
            ),
        ] {
            let p = full(text);
            let got: Vec<_> =
                p.sessions.iter().map(|s| (s.days.as_slice(), &*s.start, &*s.end)).collect();
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn ohana_labels_and_appointments() {
        let p = full(
            "Adults: Monday-Friday, 8-5; Pediatrics: Monday, 8 am-8:30 pm; Tuesday, Wednesday, 8 am-9 pm",
        );
        let labels: Vec<_> = p.sessions.iter().map(|s| s.label.as_deref().unwrap_or("")).collect();
        assert_eq!(labels, vec!["Adults", "Pediatrics", "Pediatrics"]);
        let p = full("Monday-Friday, 8-6; Saturday, Sunday by appointment");
        assert!(p.by_appointment);
        assert_eq!(p.sessions.len(), 1);
        let p = full("By appointment");
        assert!(p.by_appointment && p.sessions.is_empty());
        let p = parse_hours("Saturday, 1-4 pm or by appointment", HoursOptions::default());
        assert_eq!(p.coverage(), Coverage::Full);
        assert_eq!((&*p.sessions[0].start, &*p.sessions[0].end), ("13:00", "16:00"));
        let p = parse_hours(
            "Monday-Friday, 8-5. Emergency Services, 24 hours daily",
            HoursOptions::default(),
        );
        assert_eq!(p.unparsed, vec!["Emergency Services, 24 hours daily"]);
        assert!(!p.twenty_four_hours);
        let p = parse_hours("Crisis line - 24 hours daily", HoursOptions::default());
        assert!(p.sessions.is_empty(), "a hotline's hours are not attended hours");
    }

    #[test]
    fn all_year_month_span_is_ignored() {
        assert_eq!(
            sessions("January - December Saturday 9:00 AM to 1:00 PM"),
            vec![s(&[Sa], "09:00", "13:00")]
        );
    }

    #[test]
    fn split_sentences_keeps_abbreviations() {
        assert_eq!(
            split_sentences("Mon.-Fri., 9-6:30, Sat., 9-11:45"),
            vec!["Mon.-Fri., 9-6:30, Sat., 9-11:45"]
        );
        assert_eq!(
            split_sentences("Daily, 8-5. 24-hour on-call"),
            vec!["Daily, 8-5", " 24-hour on-call"]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_sessions_are_well_formed(text in "\\PC{0,80}") {
            check_sessions(&text);
        }

        #[test]
        fn hours_like_text_is_well_formed(
            text in "[0-9: apmAPM.-]{0,12}(, )?(Mon|Tue|Sat|daily|Monday-Friday|weekends)?[,;/&0-9 apm:-]{0,12}"
        ) {
            check_sessions(&text);
        }
    }

    fn check_sessions(text: &str) {
        for opts in [HoursOptions::default(), HoursOptions { assume_pm_for_small_end: false }] {
            let p = parse_hours(text, opts);
            for s in &p.sessions {
                let (a, b) = (s.start_minutes().expect("start"), s.end_minutes().expect("end"));
                assert!(a < 24 * 60 && b <= 24 * 60 && a != b, "{text:?}: {s:?}");
                assert!(!s.days.is_empty(), "{text:?}: {s:?}");
            }
        }
    }
}
