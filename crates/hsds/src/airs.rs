//! AIRS / 211 LA taxonomy codes: which services are substance-use or mental-health care, and
//! what a code means in the filter vocabulary.
//!
//! The meaning of codes is data: `data/miami211/airs_map.csv` (`code,targets,note`), compiled
//! in. A row's `code` is a prefix at a code boundary (`RX-8450.1150` covers
//! `RX-8450.1150-180`), and the longest matching row wins, so a specific code can say less than
//! its parent (`RX-8450.5000-600`, naltrexone programs, is not an OTP although
//! `RX-8450.5000` is). A row with no targets is a deliberate "known, no filter value"; a code
//! with no row at all is reported as unmapped by the importers.
//!
//! The substance-use and mental-health sets are the ones `shared/data/SOURCES.md` defines for
//! the 2-1-1 Miami data ("SUD core", "SUD any", "mental health").

use std::sync::OnceLock;

use iop_core::Vocabulary;
use iop_core::vocabulary::Group;

/// What one AIRS code prefix means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AirsRow {
    /// The code prefix (`RX-8450.1150`).
    pub code: String,
    /// Filter values it implies; empty when it deliberately implies none.
    pub targets: Vec<(Group, String)>,
    /// What the code is, in words.
    pub note: String,
}

/// The AIRS code mapping table.
#[derive(Debug)]
pub struct AirsMap {
    rows: Vec<AirsRow>,
}

/// A bad row in the mapping table.
#[derive(Debug, thiserror::Error)]
pub enum AirsMapError {
    /// The CSV could not be read.
    #[error("airs_map.csv: {0}")]
    Csv(#[from] csv::Error),
    /// A target is not `group:value` with a value from the vocabulary.
    #[error("airs_map.csv line {line}: target {target:?} is not group:value from the vocabulary")]
    BadTarget {
        /// 1-based line.
        line: usize,
        /// The offending target.
        target: String,
    },
}

#[derive(serde::Deserialize)]
struct Row {
    code: String,
    targets: String,
    note: String,
}

impl AirsMap {
    /// The table compiled from `data/miami211/airs_map.csv`.
    pub fn get() -> &'static AirsMap {
        static MAP: OnceLock<AirsMap> = OnceLock::new();
        MAP.get_or_init(|| {
            AirsMap::parse(include_str!("../../../data/miami211/airs_map.csv"), Vocabulary::get())
                .expect("data/miami211/airs_map.csv is checked by the airs tests")
        })
    }

    /// Parses a mapping table, checking every target against `vocab`.
    pub fn parse(csv_text: &str, vocab: &Vocabulary) -> Result<AirsMap, AirsMapError> {
        let mut rows = Vec::new();
        for (i, row) in csv::Reader::from_reader(csv_text.as_bytes()).deserialize().enumerate() {
            let row: Row = row?;
            let line = i + 2;
            let mut targets = Vec::new();
            for t in row.targets.split(';').map(str::trim).filter(|t| !t.is_empty()) {
                let bad = || AirsMapError::BadTarget { line, target: t.to_owned() };
                let (g, v) = t.split_once(':').ok_or_else(bad)?;
                let g: Group = g.parse().map_err(|_| bad())?;
                if !vocab.contains(g, v) {
                    return Err(bad());
                }
                targets.push((g, v.to_owned()));
            }
            rows.push(AirsRow { code: row.code.trim().to_owned(), targets, note: row.note });
        }
        Ok(AirsMap { rows })
    }

    /// The most specific row covering `code`, if any.
    pub fn lookup(&self, code: &str) -> Option<&AirsRow> {
        self.rows.iter().filter(|r| covers(&r.code, code)).max_by_key(|r| r.code.len())
    }

    /// Every row.
    pub fn rows(&self) -> &[AirsRow] {
        &self.rows
    }
}

/// Whether `prefix` covers `code` at a code boundary (`RX-8450` covers `RX-8450.1150-180` but
/// not `RX-84500`; a one- or two-letter family such as `RD` covers `RD-1500`).
pub fn covers(prefix: &str, code: &str) -> bool {
    code.strip_prefix(prefix).is_some_and(|rest| {
        rest.is_empty()
            || rest.starts_with(['.', '-'])
            || (prefix.len() <= 2 && rest.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

fn any_covers(prefixes: &[&str], code: &str) -> bool {
    prefixes.iter().any(|p| covers(p, code))
}

/// "SUD core": assessment, detox, DUI programs, treatment (not smoking cessation), supportive
/// services (not smoking cessation support) and recovery homes.
pub fn is_sud_core(code: &str) -> bool {
    (any_covers(&["RX-0400", "RX-1700", "RX-1750", "RX-8500"], code)
        || covers("RX-8450", code)
        || covers("RX-8470", code))
        && !covers("RX-8450.7900", code)
        && !covers("RX-8470.8100", code)
}

/// "SUD any": any `RX` code, addiction support groups, substance-use target populations and
/// drug courts.
pub fn is_sud_any(code: &str) -> bool {
    code.starts_with("RX")
        || any_covers(
            &[
                "PN-8100.0500",
                "YF-8000",
                "YJ-2300",
                "YJ-3500",
                "YZ-0150",
                "YZ-0400",
                "YZ-1800",
                "YZ-8400",
                "YP-1900",
                "FC-8200.8100-170",
            ],
            code,
        )
}

/// "Mental health": facilities, crisis, evaluation, psychiatric services, therapy approaches,
/// mental-health information, support groups, target populations, and mental-health courts and
/// jail diversion.
pub fn is_mental_health(code: &str) -> bool {
    code.starts_with("RM")
        || code.starts_with("RD")
        || any_covers(
            &[
                "RP-1500",
                "RP-5000",
                "RP-6400",
                "RR-1800",
                "RR-5150",
                "PN-8100.5000",
                "YF-5000",
                "YZ-5000",
                "RP-1400.8000-675",
                "RP-1400.8000-825",
                "FC-8200.8100-500",
                "FF-0500.1800-300",
            ],
            code,
        )
}

/// Whether a service with these codes belongs in IOP Finder (substance use or mental health).
pub fn is_behavioral_health<'a>(codes: impl IntoIterator<Item = &'a str>) -> bool {
    codes.into_iter().any(|c| is_sud_any(c) || is_mental_health(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_longest_prefix_wins() {
        let m = AirsMap::get();
        let targets = |code| m.lookup(code).map(|r| r.targets.clone());
        let t = |g, v: &str| (g, v.to_owned());
        assert_eq!(targets("RX-8450.1150-180"), Some(vec![t(Group::Level, "op")]));
        assert_eq!(
            targets("RX-8450.5000-510"),
            Some(vec![t(Group::Level, "otp"), t(Group::Medication, "methadone")])
        );
        assert_eq!(targets("RX-8450.5000-600"), Some(vec![t(Group::Medication, "naltrexone")]));
        assert_eq!(targets("RD-1500"), Some(vec![t(Group::Modality, "cbt")]));
        assert_eq!(targets("RD-2500"), Some(vec![]), "RD family row: known, no value");
        assert_eq!(targets("BD-1800.2000"), None, "a food pantry code has no row");
        assert_eq!(targets("RF-3400"), Some(vec![t(Group::Schedule, "virtual")]));
    }

    #[test]
    fn bad_target_names_its_line() {
        let err = AirsMap::parse("code,targets,note\nRD-1500,modality:cbtt,x\n", Vocabulary::get())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "airs_map.csv line 2: target \"modality:cbtt\" is not group:value from the vocabulary"
        );
    }

    #[test]
    fn boundaries_and_sets() {
        assert!(covers("RX-8450", "RX-8450.1150-180"));
        assert!(!covers("RX-8450", "RX-84501"));
        assert!(covers("RD", "RD-1500"));
        assert!(covers("RM", "RM-6500"));
        assert!(is_sud_core("RX-8450.8100-050"));
        assert!(!is_sud_core("RX-8450.7900"), "smoking cessation");
        assert!(is_sud_any("RX-8450.7900"));
        assert!(is_sud_any("YF-8000.1800-620"));
        assert!(is_mental_health("RP-6400.8000-330"));
        assert!(!is_behavioral_health(["BD-1800.2000", "YB-0500"]));
    }
}
