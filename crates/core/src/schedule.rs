//! When and how a program meets: structured sessions and the facets derived from them.
//!
//! Facet rules (written in ARCHITECTURE.md too, and tested below), applied to every session that
//! has not expired (`valid_to` before today):
//! - `evening`: a session ends after 17:00 local time, or starts at 16:00 or later;
//! - `weekend`: a session meets on Saturday or Sunday;
//! - `day`: a session meets on a weekday and starts before 17:00;
//! - `virtual`: a session's format is virtual or hybrid.
//!
//! Once a listing has structured hours, `day`, `evening` and `weekend` are known either way (the
//! hours say when it meets). `virtual` is only ever learned as a yes from sessions: in-person
//! hours do not say there is no virtual option.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::listing::Tri;

/// The schedule facets, in display order.
pub const FACETS: [&str; 4] = ["day", "evening", "weekend", "virtual"];

/// A day of the week, serialised as in iCalendar `BYDAY` but lower case (`mo`..`su`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mo,
    /// Tuesday.
    Tu,
    /// Wednesday.
    We,
    /// Thursday.
    Th,
    /// Friday.
    Fr,
    /// Saturday.
    Sa,
    /// Sunday.
    Su,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Weekday; 7] =
        [Weekday::Mo, Weekday::Tu, Weekday::We, Weekday::Th, Weekday::Fr, Weekday::Sa, Weekday::Su];

    /// Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Sa | Weekday::Su)
    }

    /// The two-letter code (`mo`).
    pub fn code(self) -> &'static str {
        ["mo", "tu", "we", "th", "fr", "sa", "su"][self as usize]
    }

    /// Parses `mo`/`MO`/`Monday`/`Mon`/`Thur`... (English names and iCalendar codes).
    pub fn parse(s: &str) -> Option<Weekday> {
        let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let d = match s.as_str() {
            "mo" | "mon" | "monday" | "m" => Weekday::Mo,
            "tu" | "tue" | "tues" | "tuesday" => Weekday::Tu,
            "we" | "wed" | "weds" | "wednesday" | "w" => Weekday::We,
            "th" | "thu" | "thur" | "thurs" | "thursday" => Weekday::Th,
            "fr" | "fri" | "friday" | "f" => Weekday::Fr,
            "sa" | "sat" | "saturday" => Weekday::Sa,
            "su" | "sun" | "sunday" => Weekday::Su,
            _ => return None,
        };
        Some(d)
    }
}

impl fmt::Display for Weekday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How a session is attended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionFormat {
    /// On site.
    InPerson,
    /// Online or by phone.
    Virtual,
    /// Either, or a mix.
    Hybrid,
}

/// What a schedule describes: a door that is open, or a group that meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Office or opening hours ("open evenings").
    #[default]
    OfficeHours,
    /// Program sessions ("evening group 6-9 pm").
    Program,
}

/// One recurring weekly session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Days it meets.
    pub days: Vec<Weekday>,
    /// Start, local time `HH:MM`.
    pub start: String,
    /// End, local time `HH:MM` (`24:00` for midnight at the end of the day).
    pub end: String,
    /// How it is attended, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SessionFormat>,
    /// Office hours or program sessions.
    #[serde(default)]
    pub kind: SessionKind,
    /// A label from the source ("Evening IOP").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// First date the session applies (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Last date the session applies (`YYYY-MM-DD`); past sessions do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
}

impl Session {
    /// Start in minutes after midnight, if well-formed.
    pub fn start_minutes(&self) -> Option<u32> {
        parse_hhmm(&self.start)
    }

    /// End in minutes after midnight, if well-formed.
    pub fn end_minutes(&self) -> Option<u32> {
        parse_hhmm(&self.end)
    }

    /// Whether the session has expired as of `today` (`YYYY-MM-DD`; ISO dates order as strings).
    pub fn expired(&self, today: &str) -> bool {
        self.valid_to.as_deref().is_some_and(|to| to < today)
    }

    /// Hours per week this session meets (end before start is read as running past midnight).
    pub fn hours_per_week(&self) -> Option<f32> {
        let (s, e) = (self.start_minutes()?, self.end_minutes()?);
        let len = if e > s { e - s } else { e + 24 * 60 - s };
        Some(len as f32 / 60.0 * self.days.len() as f32)
    }
}

/// Parses `HH:MM` (00:00 to 24:00) into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Formats minutes after midnight as `HH:MM`.
pub fn format_hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// When and how a program meets.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Schedule {
    /// Facets known to hold (`day`, `evening`, `weekend`, `virtual`).
    #[serde(default)]
    pub facets: BTreeSet<String>,
    /// Facets known not to hold (the hours are known and exclude them).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub facets_not_offered: BTreeSet<String>,
    /// Structured weekly sessions.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// Hours of programming per week.
    #[serde(default)]
    pub hours_per_week: Option<f32>,
    /// Typical length of the program in weeks.
    #[serde(default)]
    pub duration_weeks: Option<f32>,
    /// Free-text hours as the source wrote them, when they could not all be structured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_text: Option<String>,
}

impl Schedule {
    /// Whether `facet` holds, does not hold, or is unknown.
    pub fn facet(&self, facet: &str) -> Tri {
        if self.facets.contains(facet) {
            Tri::Yes
        } else if self.facets_not_offered.contains(facet) {
            Tri::No
        } else {
            Tri::Unknown
        }
    }

    /// Whether no facet is known either way.
    pub fn is_unknown(&self) -> bool {
        self.facets.is_empty() && self.facets_not_offered.is_empty()
    }

    /// Records that a facet holds (and so is not "not offered").
    pub fn set_facet(&mut self, facet: &str) {
        self.facets_not_offered.remove(facet);
        self.facets.insert(facet.to_owned());
    }

    /// Adds the facets implied by the sessions that are current on `today` (see module docs).
    /// When at least one current session has well-formed times, `day`, `evening` and `weekend`
    /// become known: those not derived are recorded as not offered.
    pub fn derive_facets(&mut self, today: &str) {
        let mut any_timed = false;
        let mut derived = Vec::new();
        for s in self.sessions.iter().filter(|s| !s.expired(today)) {
            let (Some(start), Some(end)) = (s.start_minutes(), s.end_minutes()) else { continue };
            any_timed = true;
            // An end at or before the start runs past midnight: it ends in the evening.
            let overnight = end <= start;
            let mut found = Vec::new();
            if end > 17 * 60 || start >= 16 * 60 || overnight {
                found.push("evening");
            }
            if s.days.iter().any(|d| d.is_weekend()) {
                found.push("weekend");
            }
            if s.days.iter().any(|d| !d.is_weekend()) && start < 17 * 60 {
                found.push("day");
            }
            if matches!(s.format, Some(SessionFormat::Virtual | SessionFormat::Hybrid)) {
                found.push("virtual");
            }
            derived.extend(found);
        }
        for f in derived {
            self.set_facet(f);
        }
        if any_timed {
            for f in ["day", "evening", "weekend"] {
                if !self.facets.contains(f) {
                    self.facets_not_offered.insert(f.to_owned());
                }
            }
        }
        if self.hours_per_week.is_none() {
            let program: Vec<_> = self
                .sessions
                .iter()
                .filter(|s| s.kind == SessionKind::Program && !s.expired(today))
                .collect();
            if !program.is_empty() {
                self.hours_per_week = program.iter().map(|s| s.hours_per_week()).sum();
            }
        }
    }

    /// The union of two schedules: facets known by either; a "yes" wins over a "no".
    pub fn merge(&mut self, other: &Schedule) {
        for f in &other.facets {
            self.set_facet(f);
        }
        for f in &other.facets_not_offered {
            if !self.facets.contains(f) {
                self.facets_not_offered.insert(f.clone());
            }
        }
        for s in &other.sessions {
            if !self.sessions.contains(s) {
                self.sessions.push(s.clone());
            }
        }
        self.hours_per_week = self.hours_per_week.or(other.hours_per_week);
        self.duration_weeks = self.duration_weeks.or(other.duration_weeks);
        if self.hours_text.is_none() {
            self.hours_text.clone_from(&other.hours_text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(days: &[Weekday], start: &str, end: &str) -> Session {
        Session {
            days: days.to_vec(),
            start: start.into(),
            end: end.into(),
            format: None,
            kind: SessionKind::Program,
            label: None,
            valid_from: None,
            valid_to: None,
        }
    }

    fn derive(sessions: Vec<Session>) -> Schedule {
        let mut s = Schedule { sessions, ..Schedule::default() };
        s.derive_facets("2026-11-28");
        s
    }

    use Weekday::*;

    #[test]
    fn evening_iop_is_evening_and_not_day() {
        let s = derive(vec![session(&[Mo, We, Th], "18:00", "21:00")]);
        assert_eq!(s.facet("evening"), Tri::Yes);
        assert_eq!(s.facet("day"), Tri::No);
        assert_eq!(s.facet("weekend"), Tri::No);
        assert_eq!(s.facet("virtual"), Tri::Unknown, "in-person hours say nothing about virtual");
        assert_eq!(s.hours_per_week, Some(9.0));
    }

    #[test]
    fn boundaries_of_the_evening_rule() {
        // Ends exactly at 17:00 and starts before 16:00: not evening.
        assert_eq!(derive(vec![session(&[Mo], "09:00", "17:00")]).facet("evening"), Tri::No);
        // Ends one minute after 17:00: evening.
        assert_eq!(derive(vec![session(&[Mo], "09:00", "17:01")]).facet("evening"), Tri::Yes);
        // Starts at 16:00: evening even if it ends at 17:00.
        assert_eq!(derive(vec![session(&[Mo], "16:00", "17:00")]).facet("evening"), Tri::Yes);
        // A weekday session starting at 17:00 is not "day".
        assert_eq!(derive(vec![session(&[Tu], "17:00", "20:00")]).facet("day"), Tri::No);
        // Runs past midnight.
        assert_eq!(derive(vec![session(&[Fr], "22:00", "02:00")]).facet("evening"), Tri::Yes);
    }

    #[test]
    fn weekend_and_virtual() {
        let mut sat = session(&[Sa], "09:00", "12:00");
        sat.format = Some(SessionFormat::Hybrid);
        let s = derive(vec![sat]);
        assert_eq!(s.facet("weekend"), Tri::Yes);
        assert_eq!(s.facet("day"), Tri::No, "Saturday morning is weekend, not a weekday");
        assert_eq!(s.facet("virtual"), Tri::Yes);
    }

    #[test]
    fn expired_sessions_do_not_count() {
        let mut old = session(&[Sa], "18:00", "21:00");
        old.valid_to = Some("2025-01-31".into());
        let s = derive(vec![old, session(&[Mo], "09:00", "12:00")]);
        assert_eq!(s.facet("weekend"), Tri::No);
        assert_eq!(s.facet("evening"), Tri::No);
        assert_eq!(s.facet("day"), Tri::Yes);
    }

    #[test]
    fn no_sessions_leaves_everything_unknown() {
        let s = derive(vec![]);
        assert!(s.is_unknown());
    }

    #[test]
    fn hhmm() {
        assert_eq!(parse_hhmm("00:00"), Some(0));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("9:00"), None);
        assert_eq!(format_hhmm(18 * 60 + 5), "18:05");
    }
}
