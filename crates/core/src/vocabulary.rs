//! The filter vocabulary and the SAMHSA mapping onto it.
//!
//! Both are data, not code: `data/vocabulary/values.csv` lists every filter value with its
//! English and Spanish labels (and ASAM level for levels of care);
//! `data/vocabulary/samhsa.csv` maps SAMHSA service codes and service names onto those values;
//! `data/vocabulary/samhsa_categories.csv` says which groups a SAMHSA category (`f2`) describes.
//! They are compiled in, so reading them is not I/O and cannot fail at run time; the tests below
//! check that they parse and agree with each other.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A filter group of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Level of care.
    Level,
    /// Therapy or service approach.
    Modality,
    /// Medication for addiction treatment.
    Medication,
    /// Day, evening, weekend, virtual.
    Schedule,
    /// Payment accepted.
    Payment,
    /// Population served.
    Population,
    /// Language.
    Language,
}

impl Group {
    /// Every group, in display order.
    pub const ALL: [Group; 7] = [
        Group::Level,
        Group::Modality,
        Group::Medication,
        Group::Schedule,
        Group::Payment,
        Group::Population,
        Group::Language,
    ];

    /// The group's parameter name (`level`, `modality`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Level => "level",
            Group::Modality => "modality",
            Group::Medication => "medication",
            Group::Schedule => "schedule",
            Group::Payment => "payment",
            Group::Population => "population",
            Group::Language => "language",
        }
    }

    /// The group's label in `lang` (`en` or `es`).
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Group::Level, Lang::En) => "Level of care",
            (Group::Level, Lang::Es) => "Nivel de atención",
            (Group::Modality, Lang::En) => "Therapies",
            (Group::Modality, Lang::Es) => "Terapias",
            (Group::Medication, Lang::En) => "Medications",
            (Group::Medication, Lang::Es) => "Medicamentos",
            (Group::Schedule, Lang::En) => "Schedule",
            (Group::Schedule, Lang::Es) => "Horario",
            (Group::Payment, Lang::En) => "Payment",
            (Group::Payment, Lang::Es) => "Pago",
            (Group::Population, Lang::En) => "Who it serves",
            (Group::Population, Lang::Es) => "A quién atiende",
            (Group::Language, Lang::En) => "Language",
            (Group::Language, Lang::Es) => "Idioma",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Group {
    type Err = UnknownGroup;
    fn from_str(s: &str) -> Result<Group, UnknownGroup> {
        Group::ALL.into_iter().find(|g| g.as_str() == s).ok_or_else(|| UnknownGroup(s.to_owned()))
    }
}

/// A group name that is not one of [`Group::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown filter group {0:?}")]
pub struct UnknownGroup(pub String);

/// A user-interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// `en` or `es`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// Parses `en`/`es` (case-insensitive, region ignored: `es-MX` is Spanish).
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }
}

/// One filter value with its labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The API value (`iop`).
    pub value: String,
    /// English label.
    pub en: String,
    /// Spanish label.
    pub es: String,
    /// ASAM level, for levels of care.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asam: Option<String>,
}

impl Value {
    /// The label in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}

/// Every filter group and value with English and Spanish labels.
#[derive(Debug)]
pub struct Vocabulary {
    groups: BTreeMap<Group, Vec<Value>>,
}

#[derive(Deserialize)]
struct ValueRow {
    group: Group,
    value: String,
    en: String,
    es: String,
    asam: String,
}

impl Vocabulary {
    /// The vocabulary compiled from `data/vocabulary/values.csv`.
    pub fn get() -> &'static Vocabulary {
        static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
        VOCAB.get_or_init(|| {
            Vocabulary::parse(include_str!("../../../data/vocabulary/values.csv"))
                .expect("data/vocabulary/values.csv is checked by the vocabulary tests")
        })
    }

    /// Parses a values table (`group,value,en,es,asam`).
    pub fn parse(csv_text: &str) -> Result<Vocabulary, csv::Error> {
        let mut groups: BTreeMap<Group, Vec<Value>> = BTreeMap::new();
        for row in csv::Reader::from_reader(csv_text.as_bytes()).deserialize() {
            let row: ValueRow = row?;
            groups.entry(row.group).or_default().push(Value {
                value: row.value,
                en: row.en,
                es: row.es,
                asam: Some(row.asam).filter(|a| !a.is_empty()),
            });
        }
        Ok(Vocabulary { groups })
    }

    /// The values of a group, in display order.
    pub fn values(&self, group: Group) -> &[Value] {
        self.groups.get(&group).map(Vec::as_slice).unwrap_or_default()
    }

    /// One value of a group.
    pub fn value(&self, group: Group, value: &str) -> Option<&Value> {
        self.values(group).iter().find(|v| v.value == value)
    }

    /// Whether `value` belongs to `group`.
    pub fn contains(&self, group: Group, value: &str) -> bool {
        self.value(group, value).is_some()
    }

    /// The label of a value in `lang`, or the value itself when it is not in the vocabulary.
    pub fn label<'a>(&'a self, group: Group, value: &'a str, lang: Lang) -> &'a str {
        self.value(group, value).map_or(value, |v| v.label(lang))
    }

    /// The ASAM level of a level of care (`iop` -> `2.1`).
    pub fn asam_level(&self, level: &str) -> Option<&str> {
        self.value(Group::Level, level)?.asam.as_deref()
    }
}

/// A `group:value` target of the SAMHSA mapping.
pub type Target = (Group, String);

/// What a SAMHSA service code or name means in our vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamhsaEntry {
    /// The SAMHSA service code, where there is one.
    pub code: Option<String>,
    /// The SAMHSA service name.
    pub name: String,
    /// The filter values it implies; empty when it is deliberately not a filter value
    /// (e.g. "Smoking cessation": known, but not something we filter on).
    pub targets: Vec<Target>,
}

/// The SAMHSA service codes and names, mapped onto the vocabulary.
#[derive(Debug)]
pub struct SamhsaVocabulary {
    entries: Vec<SamhsaEntry>,
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    categories: HashMap<String, Vec<Group>>,
}

#[derive(Deserialize)]
struct SamhsaRow {
    code: String,
    name: String,
    targets: String,
}

#[derive(Deserialize)]
struct CategoryRow {
    category: String,
    groups: String,
}

/// A problem in the SAMHSA mapping tables.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The CSV could not be read.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// A target is not `group:value` with a value from the vocabulary.
    #[error("line {line}: target {target:?} is not group:value from data/vocabulary/values.csv")]
    BadTarget {
        /// 1-based line.
        line: usize,
        /// The offending target.
        target: String,
    },
}

impl SamhsaVocabulary {
    /// The mapping compiled from `data/vocabulary/samhsa.csv` and `samhsa_categories.csv`.
    pub fn get() -> &'static SamhsaVocabulary {
        static MAP: OnceLock<SamhsaVocabulary> = OnceLock::new();
        MAP.get_or_init(|| {
            SamhsaVocabulary::parse(
                include_str!("../../../data/vocabulary/samhsa.csv"),
                include_str!("../../../data/vocabulary/samhsa_categories.csv"),
                Vocabulary::get(),
            )
            .expect("data/vocabulary/samhsa*.csv are checked by the vocabulary tests")
        })
    }

    /// Parses the mapping tables, checking every target against `vocab`.
    pub fn parse(
        names_csv: &str,
        categories_csv: &str,
        vocab: &Vocabulary,
    ) -> Result<SamhsaVocabulary, MappingError> {
        let mut map = SamhsaVocabulary {
            entries: Vec::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            categories: HashMap::new(),
        };
        for (i, row) in csv::Reader::from_reader(names_csv.as_bytes()).deserialize().enumerate() {
            let row: SamhsaRow = row?;
            let line = i + 2;
            let mut targets = Vec::new();
            for t in row.targets.split(';').map(str::trim).filter(|t| !t.is_empty()) {
                let bad = || MappingError::BadTarget { line, target: t.to_owned() };
                let (g, v) = t.split_once(':').ok_or_else(bad)?;
                let g: Group = g.parse().map_err(|_| bad())?;
                if !vocab.contains(g, v) {
                    return Err(bad());
                }
                targets.push((g, v.to_owned()));
            }
            let idx = map.entries.len();
            let code = Some(row.code.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
            if let Some(c) = &code {
                map.by_code.entry(c.clone()).or_insert(idx);
            }
            map.by_name.entry(normalize_name(&row.name)).or_insert(idx);
            map.entries.push(SamhsaEntry { code, name: row.name, targets });
        }
        for row in csv::Reader::from_reader(categories_csv.as_bytes()).deserialize() {
            let row: CategoryRow = row?;
            let groups = row.groups.split(';').filter_map(|g| g.trim().parse().ok()).collect();
            map.categories.insert(row.category.trim().to_ascii_uppercase(), groups);
        }
        Ok(map)
    }

    /// Looks a service code up (`OIT`), case-insensitively.
    pub fn by_code(&self, code: &str) -> Option<&SamhsaEntry> {
        self.by_code.get(&code.trim().to_ascii_uppercase()).map(|&i| &self.entries[i])
    }

    /// Looks a service name up ("Intensive outpatient treatment"), ignoring case and spacing.
    pub fn by_name(&self, name: &str) -> Option<&SamhsaEntry> {
        self.by_name.get(&normalize_name(name)).map(|&i| &self.entries[i])
    }

    /// The groups a category code (`f2`, e.g. `PAY`) describes: when a record lists the
    /// category, those groups are known for it, even if no name maps to a value.
    pub fn category_groups(&self, category: &str) -> &[Group] {
        self.categories
            .get(&category.trim().to_ascii_uppercase())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every entry.
    pub fn entries(&self) -> &[SamhsaEntry] {
        &self.entries
    }
}

/// Normalises a service name for lookup: lower case, single spaces, no trailing punctuation.
pub fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', ';', ','])
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_has_every_group_with_both_languages() {
        let v = Vocabulary::get();
        for g in Group::ALL {
            assert!(!v.values(g).is_empty(), "{g} has no values");
            for val in v.values(g) {
                assert!(
                    !val.en.is_empty() && !val.es.is_empty(),
                    "{g}:{} lacks a label",
                    val.value
                );
            }
        }
        assert_eq!(v.asam_level("iop"), Some("2.1"));
        assert_eq!(v.label(Group::Schedule, "evening", Lang::Es), "Por la tarde-noche");
    }

    #[test]
    fn api_values_are_all_present() {
        // The values API.md lists, group by group.
        let api: &[(Group, &str)] = &[
            (Group::Level, "iop php op residential detox otp hospital_inpatient"),
            (
                Group::Modality,
                "cbt dbt mi contingency_management relapse_prevention family group individual trauma twelve_step matrix case_management peer_support holistic medication_management",
            ),
            (Group::Medication, "buprenorphine methadone naltrexone acamprosate disulfiram"),
            (Group::Schedule, "day evening weekend virtual"),
            (
                Group::Payment,
                "medicaid medicare private_insurance self_pay sliding_scale free military va ihs state_funded payment_assistance",
            ),
            (
                Group::Population,
                "adolescents young_adults adults seniors women men pregnant_postpartum veterans lgbtq criminal_justice co_occurring deaf_hoh",
            ),
            (Group::Language, "es zh vi asl"),
        ];
        let v = Vocabulary::get();
        for (g, values) in api {
            for value in values.split_whitespace() {
                assert!(v.contains(*g, value), "{g}:{value} missing from values.csv");
            }
        }
    }

    #[test]
    fn samhsa_mapping_parses_and_targets_exist() {
        let m = SamhsaVocabulary::get();
        assert!(!m.entries().is_empty());
    }

    #[test]
    fn bad_target_is_reported_with_its_line() {
        let err = SamhsaVocabulary::parse(
            "code,name,targets\nOIT,Intensive outpatient treatment,level:iopp\n",
            "category,groups\n",
            Vocabulary::get(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: target \"level:iopp\" is not group:value from data/vocabulary/values.csv"
        );
    }

    #[test]
    fn lang_parse() {
        assert_eq!(Lang::parse("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
