//! The ingest pipeline: find the sources, parse, validate, merge, count.
//!
//! [`ingest`] reads every source (by default the files shipped under `data/`), runs each
//! listing through [`validate`], merges copies of the same facility ([`merge`]), and returns
//! the listings sorted by id with a [`Summary`] of what happened. [`write_jsonl`] writes the
//! listings as JSON Lines in the API's listing shape (the one `Listing` serialises to).
//!
//! Source files are recognised by their content, not their names: a CSV by its header, JSON by
//! its shape, a folder by its HSDS tables (`services.csv.gz` beside a `datapackage.json` for
//! the 2-1-1 Miami package, a plain `services.csv` for an HSDS 3.0 tabular package). So
//! `iop ingest FILE` works on a file saved anywhere under any name, and the shipped folders can
//! hold reference tables (the 2018 service-code key, the API's state ids) that are not listing
//! sources.
//!
//! Curated program sheets apply after the merge: those of `data/sheets` when the shipped data is
//! ingested, or those of the folders given to [`ingest_with_sheets`], whatever the sources.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use iop_core::Listing;
use iop_geo::Geocoder;
use iop_hsds::hsds3::{self, Hsds3Source};
use serde::Serialize;
use serde_json::Value;

use crate::merge::merge;
use crate::report::{SourceSummary, Summary};
use crate::source::{Error, Parsed, Problem, ProblemKind, Result};
use crate::validate::validate;
use crate::{ca2025, dhcs, findtreatment, locator2018, national2021, otp};

/// What to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// The repository's `data/` folder (shipped sources; the geocoder loads from it too).
    pub data_dir: PathBuf,
    /// Source files or folders (an HSDS package, or a folder of source files); empty means
    /// every source shipped under `data_dir`.
    pub sources: Vec<PathBuf>,
    /// Show progress bars on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl IngestOptions {
    /// Every shipped source, no progress bars.
    pub fn shipped(data_dir: impl Into<PathBuf>) -> IngestOptions {
        IngestOptions { data_dir: data_dir.into(), sources: Vec::new(), progress: false }
    }

    /// The program sheet folders [`ingest`] applies: `data_dir/sheets` when the shipped data
    /// is ingested (and the folder is there), none when sources are given. [`ingest_with_sheets`]
    /// names the folders instead.
    pub fn default_sheet_dirs(&self) -> Vec<PathBuf> {
        let shipped = self.data_dir.join("sheets");
        if self.sources.is_empty() && shipped.is_dir() { vec![shipped] } else { Vec::new() }
    }
}

/// The result of an ingest.
#[derive(Clone, Debug)]
pub struct Ingest {
    /// Clean, merged listings, sorted by id.
    pub listings: Vec<Listing>,
    /// What was read, rejected, repaired and merged.
    pub summary: Summary,
}

impl Ingest {
    /// Compares the listings with those of a previous run ([`crate::refresh::refresh`]): the
    /// listings become the current ones plus, marked stale, those the sources dropped, and the
    /// summary reports what was added, updated (per field), unchanged and stale. The summary's
    /// other counts stay those of this run's sources.
    pub fn refresh(&mut self, previous: Vec<Listing>) {
        let current = std::mem::take(&mut self.listings);
        let (listings, report) = crate::refresh::refresh(previous, current);
        self.listings = listings;
        self.summary.refresh = Some(report);
    }
}

/// The source formats the pipeline reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A saved FindTreatment.gov API response (JSON object with `rows`).
    FindTreatment,
    /// The 2018 locator Excel export, wide CSV with one column per service code.
    Locator2018,
    /// The 2025 California FindTreatment records (JSON array, flattened services).
    FindTreatment2025Ca,
    /// The SAMHSA OTP directory, 2021.
    Otp2021,
    /// The national SAMHSA SUD facility list, 2021.
    National2021,
    /// The California DHCS facility list.
    Dhcs,
    /// A 2-1-1 Miami Open Referral (HSDS) datapackage folder.
    HsdsMiami,
    /// A saved NPPES NPI Registry API response (JSON object with `result_count`).
    Nppes,
    /// Open Referral HSDS 3.0 JSON: a service, a service at location, an organization with its
    /// services, a page of them (`{"contents": [...]}`), or an array of them.
    Hsds3Json,
    /// An Open Referral HSDS 3.0 tabular package: a folder with an uncompressed `services.csv`
    /// (and `locations.csv`, `schedules.csv`, ... beside it).
    Hsds3Tabular,
}

/// Source name of HSDS 3.0 listings (the publisher is not known from the format).
pub const HSDS3_SOURCE: &str = "hsds3";
/// Id prefix of HSDS 3.0 listings: `hsds3-` and the hash of `service id@service-at-location id`.
pub const HSDS3_ID_PREFIX: &str = "hsds3";

/// Keys only an HSDS 3.0 service has (a location, an organization or a taxonomy has none of
/// them), used to tell HSDS 3.0 JSON from other JSON.
const HSDS3_SERVICE_KEYS: &[&str] = &[
    "service_at_locations",
    "organization",
    "status",
    "program",
    "assured_date",
    "eligibility_description",
    "application_process",
    "fees_description",
    "interpretation_services",
    "wait_time",
    "minimum_age",
    "maximum_age",
    "accreditations",
    "licenses",
    "cost_options",
    "required_documents",
    "service_areas",
];

/// A source file (or folder) and its format.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Its format.
    pub kind: SourceKind,
    /// Where it is.
    pub path: PathBuf,
}

impl SourceFile {
    /// Recognises a source by its content. `Ok(None)` for a readable file that is no listing
    /// source (a reference table, a README); `Err(Error::Read)` when it cannot be read.
    pub fn detect(path: &Path) -> Result<Option<SourceFile>> {
        let found = |kind| Ok(Some(SourceFile { kind, path: path.to_owned() }));
        let meta = std::fs::metadata(path)
            .map_err(|source| Error::Read { path: path.to_owned(), source })?;
        if meta.is_dir() {
            // The 2-1-1 Miami package (HSDS 1.x) is gzipped; an HSDS 3.0 tabular package (as
            // Open Referral publishes its examples) is plain CSV. Both may carry a
            // `datapackage.json`, so the gzipped tables decide.
            return if path.join("datapackage.json").is_file()
                && path.join("services.csv.gz").is_file()
            {
                found(SourceKind::HsdsMiami)
            } else if path.join("services.csv").is_file() {
                found(SourceKind::Hsds3Tabular)
            } else {
                Ok(None)
            };
        }
        let head = sniff(path)?;
        let text = String::from_utf8_lossy(&head);
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            if trimmed.contains("\"rows\"") {
                return found(SourceKind::FindTreatment);
            } else if trimmed.contains("\"result_count\"") {
                return found(SourceKind::Nppes);
            }
        }
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            // The keys that tell HSDS 3.0 apart can come anywhere in a document (the examples
            // put `service_at_locations` after 3 kB of text), so the whole document is read.
            return match read_json_value(path)? {
                Some(doc) if is_hsds3(&doc) => found(SourceKind::Hsds3Json),
                // Any other array is the 2025 California records, as before HSDS 3.0 was read.
                _ if trimmed.starts_with('[') => found(SourceKind::FindTreatment2025Ca),
                Some(_) => Ok(None),
                // Broken JSON that names HSDS keys: let the HSDS reader say where it breaks.
                None if [
                    "\"service_at_locations\"",
                    "\"service\"",
                    "\"services\"",
                    "\"contents\"",
                ]
                .iter()
                .any(|k| trimmed.contains(k)) =>
                {
                    found(SourceKind::Hsds3Json)
                }
                None => Ok(None),
            };
        }
        let header: Vec<&str> =
            trimmed.lines().next().unwrap_or_default().split(',').map(str::trim).collect();
        let has = |c: &str| header.contains(&c);
        if has("license_number") && has("facility_name") {
            found(SourceKind::Dhcs)
        } else if header.starts_with(&["ID", "ADDRESS", "CITY", "STATE", "POSTAL"]) {
            found(SourceKind::Otp2021)
        } else if has("name1") && has("type_facility") {
            found(SourceKind::Locator2018)
        } else if has("name1") && has("latitude") {
            found(SourceKind::National2021)
        } else {
            Ok(None)
        }
    }

    /// The source name its listings carry.
    pub fn source_name(&self) -> &'static str {
        match self.kind {
            SourceKind::FindTreatment => findtreatment::SOURCE_NAME,
            SourceKind::Locator2018 => locator2018::SOURCE_NAME,
            SourceKind::FindTreatment2025Ca => ca2025::SOURCE_NAME,
            SourceKind::Otp2021 => otp::SOURCE,
            SourceKind::National2021 => national2021::SOURCE,
            SourceKind::Dhcs => dhcs::SOURCE,
            SourceKind::HsdsMiami => iop_hsds::miami::SOURCE,
            SourceKind::Nppes => crate::nppes::SOURCE_NAME,
            SourceKind::Hsds3Json | SourceKind::Hsds3Tabular => HSDS3_SOURCE,
        }
    }
}

/// A whole JSON file (through gzip when it is gzipped); `None` when it is not JSON.
fn read_json_value(path: &Path) -> Result<Option<Value>> {
    let read_err = |source| Error::Read { path: path.to_owned(), source };
    let mut raw = Vec::new();
    std::fs::File::open(path).map_err(read_err)?.read_to_end(&mut raw).map_err(read_err)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        if flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut plain).is_err() {
            return Ok(None);
        }
        raw = plain;
    }
    Ok(serde_json::from_slice(&raw).ok())
}

/// Whether a JSON document is HSDS 3.0 listing data: a service, a service at location, an
/// organization with its services, a page of them, or an array of them. The first item
/// decides, so that a malformed later item is reported by the HSDS reader with its path,
/// not taken for "not a listing source".
fn is_hsds3(doc: &Value) -> bool {
    let item = |v: &Value| {
        v.as_object().is_some_and(|o| {
            o.get("service").is_some_and(Value::is_object)
                || o.contains_key("services")
                || HSDS3_SERVICE_KEYS.iter().any(|k| o.contains_key(*k))
        })
    };
    match doc {
        Value::Array(items) => items.first().is_some_and(item),
        Value::Object(o) => match o.get("contents") {
            // An empty page is HSDS 3.0 when it says it is a page.
            Some(Value::Array(items)) => items.first().map_or(o.contains_key("total_items"), item),
            Some(_) => true,
            None => item(doc),
        },
        _ => false,
    }
}

/// The first few kilobytes of a file, through gzip when it is gzipped.
fn sniff(path: &Path) -> Result<Vec<u8>> {
    let read_err = |source| Error::Read { path: path.to_owned(), source };
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .map_err(read_err)?
        .take(4096)
        .read_to_end(&mut raw)
        .map_err(read_err)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut plain = Vec::new();
        // A truncated stream is fine here: only the start matters.
        let _ = flate2::read::GzDecoder::new(file).take(4096).read_to_end(&mut plain);
        return Ok(plain);
    }
    Ok(raw)
}

/// Every listing source shipped under `data_dir` (`samhsa/`, `dhcs/`, `miami211/`), in a fixed
/// order.
pub fn shipped_sources(data_dir: &Path) -> Result<Vec<SourceFile>> {
    let mut found = Vec::new();
    for sub in ["samhsa", "dhcs", "miami211"] {
        let dir = data_dir.join(sub);
        if !dir.exists() {
            continue;
        }
        walk(&dir, &mut found)?;
    }
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<SourceFile>) -> Result<()> {
    let read_err = |source| Error::Read { path: dir.to_owned(), source };
    if let Some(source) = SourceFile::detect(dir)? {
        found.push(source);
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(read_err)?;
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.starts_with('.') || name.ends_with(".md") || name.ends_with(".txt") {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else if let Some(source) = SourceFile::detect(&path)? {
            found.push(source);
        }
    }
    Ok(())
}

/// One parsed source.
struct Loaded {
    parsed: Parsed,
    /// The record number of each listing.
    records: Vec<usize>,
    /// Records left out on purpose (not treatment services), not problems.
    left_out: usize,
}

/// Parses one source: its listings, problems, and the record number of each listing.
fn parse_source(source: &SourceFile) -> Result<Loaded> {
    let path = source.path.as_path();
    let loaded = |(parsed, records)| Loaded { parsed, records, left_out: 0 };
    Ok(match source.kind {
        SourceKind::National2021 => loaded(national2021::parse_records(path)?),
        SourceKind::Otp2021 => loaded(otp::parse_records(path)?),
        SourceKind::Dhcs => loaded(dhcs::parse_records(path)?),
        SourceKind::FindTreatment => {
            let info = findtreatment::source_info(&retrieved_date(path)?);
            loaded(with_record_numbers(findtreatment::parse_with(path, &info)?))
        }
        SourceKind::Locator2018 => loaded(with_record_numbers(locator2018::parse(path)?)),
        SourceKind::FindTreatment2025Ca => loaded(with_record_numbers(ca2025::parse(path)?)),
        SourceKind::HsdsMiami => parse_hsds_miami(path)?,
        SourceKind::Nppes => {
            let info = crate::nppes::source_info(&retrieved_date(path)?);
            loaded(with_record_numbers(crate::nppes::parse_file(path, &info)?))
        }
        SourceKind::Hsds3Json | SourceKind::Hsds3Tabular => parse_hsds3(source)?,
    })
}

/// Today's date (UTC), for telling expired sessions.
fn today() -> String {
    civil_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// The 2-1-1 Miami HSDS data package, through `iop-hsds`. Its listings are services: their
/// record numbers are their rows in `services.csv.gz`, as in the importer's own problems.
fn parse_hsds_miami(dir: &Path) -> Result<Loaded> {
    let hsds = iop_hsds::miami::parse_dir(dir, &today()).map_err(hsds_error)?;
    Ok(from_hsds(hsds))
}

/// An HSDS 3.0 JSON file or tabular folder, through `iop_hsds::hsds3`. The publisher is not
/// known from the format, so the listings carry [`HSDS3_SOURCE`], no license, and the file's
/// date as their retrieval date. Malformed input (`opens_at` "25:00", a missing `id`) stops the
/// file with an error naming it and the field, or the CSV file and line.
fn parse_hsds3(source: &SourceFile) -> Result<Loaded> {
    let path = source.path.as_path();
    let dated = match source.kind {
        SourceKind::Hsds3Tabular => path.join("services.csv"),
        _ => path.to_owned(),
    };
    let info = Hsds3Source {
        name: HSDS3_SOURCE.to_owned(),
        id_prefix: HSDS3_ID_PREFIX.to_owned(),
        license: None,
        retrieved: Some(retrieved_date(&dated)?),
    };
    let today = today();
    let hsds = match source.kind {
        SourceKind::Hsds3Tabular => hsds3::read_tabular(path, &info, &today),
        _ => hsds3::read_json(path, &info, &today),
    }
    .map_err(hsds_error)?;
    Ok(from_hsds(hsds))
}

/// An `iop-hsds` error as ours, naming the file (the CSV table, not only its folder) once.
fn hsds_error(e: iop_hsds::Error) -> Error {
    match e {
        iop_hsds::Error::Read { path, source } => Error::Read { path, source },
        iop_hsds::Error::Line { path, line, message } => {
            Error::Format { path, message: format!("line {line}: {message}") }
        }
        iop_hsds::Error::Field { path, field, message } => {
            Error::Format { path, message: format!("field {field}: {message}") }
        }
    }
}

/// An `iop-hsds` importer's output as a loaded source; its problems keep their fields and
/// record numbers, and each listing keeps the record number the importer gave it.
fn from_hsds(hsds: iop_hsds::HsdsParsed) -> Loaded {
    let problems = hsds
        .problems
        .into_iter()
        .map(|p| Problem {
            kind: match p.kind {
                iop_hsds::HsdsProblemKind::Rejected => ProblemKind::Rejected,
                iop_hsds::HsdsProblemKind::Repaired => ProblemKind::Repaired,
                iop_hsds::HsdsProblemKind::Unmapped => ProblemKind::Unmapped,
            },
            source: p.source,
            record: p.record,
            field: p.field,
            reason: p.reason,
        })
        .collect();
    let records = if hsds.records.len() == hsds.listings.len() {
        hsds.records
    } else {
        (1..=hsds.listings.len()).collect()
    };
    let parsed = Parsed { read: hsds.read, listings: hsds.listings, problems };
    Loaded { parsed, records, left_out: hsds.left_out }
}

/// The record numbers of a parser's listings, for parsers that do not return them: listings
/// come in record order, one per record, except for records the parser rejected or folded into
/// an earlier one (both reported as problems).
fn with_record_numbers(parsed: Parsed) -> (Parsed, Vec<usize>) {
    let skipped: std::collections::HashSet<usize> = parsed
        .problems
        .iter()
        .filter(|p| {
            p.kind == ProblemKind::Rejected
                || (p.kind == ProblemKind::Repaired
                    && (p.reason.starts_with(ca2025::FOLD_REASON) || p.reason.contains("folded")))
        })
        .map(|p| p.record)
        .collect();
    let mut records: Vec<usize> = (1..=parsed.read).filter(|r| !skipped.contains(r)).collect();
    if records.len() != parsed.listings.len() {
        // The parser's records do not line up with its listings: fall back to positions, which
        // still find the listing in the parser's output.
        records = (1..=parsed.listings.len()).collect();
    }
    (parsed, records)
}

/// The retrieval date of a FindTreatment response: known for the shipped files, else the
/// file's modification date.
fn retrieved_date(path: &Path) -> Result<String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some((_, date)) = findtreatment::SHIPPED.iter().find(|(f, _)| *f == name) {
        return Ok((*date).to_owned());
    }
    let meta =
        std::fs::metadata(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    let secs = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Ok(civil_date(secs))
}

/// `YYYY-MM-DD` of a UNIX time (UTC).
fn civil_date(unix_secs: u64) -> String {
    iop_core::date::iso_date((unix_secs / 86_400) as i64)
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {wide_msg} [{bar:30}] {pos}/{len} {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Reads, validates and merges the sources, then applies the default program sheets
/// ([`IngestOptions::default_sheet_dirs`]). Fails only when a source cannot be read
/// ([`Error::Read`], naming the file) or is not in its format ([`Error::Format`]); bad records
/// are left out or repaired and reported in [`Summary::problems`].
pub fn ingest(opts: &IngestOptions, geo: &Geocoder) -> Result<Ingest> {
    ingest_with_sheets(opts, &[], geo)
}

/// [`ingest`], applying the program sheets of `sheet_dirs` (whatever the sources) instead of
/// the default ones; an empty `sheet_dirs` means the default. A bad sheet, or one naming an id
/// that is not among the listings, is reported in [`Summary::problems`] and the rest apply; a
/// folder that cannot be read or holds no `*.toml` sheet is an error naming it.
pub fn ingest_with_sheets(
    opts: &IngestOptions,
    sheet_dirs: &[PathBuf],
    geo: &Geocoder,
) -> Result<Ingest> {
    let sheet_files = if sheet_dirs.is_empty() {
        sheet_files(&opts.default_sheet_dirs(), false)?
    } else {
        sheet_files(sheet_dirs, true)?
    };
    let sources = if opts.sources.is_empty() {
        shipped_sources(&opts.data_dir)?.into_iter().collect()
    } else {
        let mut list = Vec::new();
        for path in &opts.sources {
            match SourceFile::detect(path)? {
                Some(s) => list.push(s),
                // A folder of sources (`data/samhsa`): every source in it.
                None if path.is_dir() => {
                    let before = list.len();
                    walk(path, &mut list)?;
                    if list.len() == before {
                        return Err(Error::Format {
                            path: path.clone(),
                            message: "the folder holds no known listing source".into(),
                        });
                    }
                }
                None => {
                    return Err(Error::Format {
                        path: path.clone(),
                        message: "not a known listing source (expected a FindTreatment.gov API \
                                  response, an NPPES API response, the 2018 locator export, \
                                  the 2025 California records, the SAMHSA national or OTP \
                                  list, the DHCS list, HSDS 3.0 JSON services, or an HSDS \
                                  folder)"
                            .into(),
                    });
                }
            }
        }
        list
    };
    // Several files of one source (the saved API pages) get their file named in problems.
    let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &sources {
        *per_name.entry(s.source_name()).or_default() += 1;
    }

    let bar = progress_bar(opts.progress, sources.len() as u64 + 1);
    let mut summary = Summary::new();
    let mut valid = Vec::new();
    for source in &sources {
        let file = source.path.file_name().map_or_else(
            || source.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_message(format!("reading {file}"));
        let name = source.source_name();
        let label = if per_name[name] > 1 { format!("{name} ({file})") } else { name.to_owned() };
        let Loaded { parsed, records, left_out } = parse_source(source)?;
        let mut problems = parsed.problems;
        for p in &mut problems {
            p.source.clone_from(&label);
        }
        let mut row = SourceSummary::new(&label, &source.path, parsed.read);
        row.left_out = left_out;
        for (listing, record) in parsed.listings.into_iter().zip(records) {
            let (kept, found) = validate(listing, &label, record, geo);
            problems.extend(found);
            if let Some(l) = kept {
                row.listings += 1;
                if l.location.is_some_and(|p| p.approximate) {
                    row.approximate += 1;
                }
                valid.push(l);
            }
        }
        row.count_problems(&problems);
        summary.sources.push(row);
        summary.problems.extend(problems);
        bar.inc(1);
    }

    bar.set_message("merging duplicates");
    let (mut listings, stats) = merge(valid);
    listings.sort_by(|a, b| a.id.cmp(&b.id));
    bar.inc(1);
    bar.finish_and_clear();
    summary.merge = stats;
    apply_sheets(&sheet_files, &mut listings, &mut summary)?;
    summary.count_listings(&listings);
    Ok(Ingest { listings, summary })
}

/// The program sheets (`*.toml`) in `dirs`, each folder's in file-name order. A folder that
/// cannot be read is an error naming it, and so is one that holds no sheet at all when it was
/// asked for by name (a mistyped folder, not an empty result). Listed before the sources are
/// read, so such a mistake costs no time.
fn sheet_files(dirs: &[PathBuf], asked_for: bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in dirs {
        let read_err = |source| Error::Read { path: dir.to_owned(), source };
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        if found.is_empty() && asked_for {
            return Err(Error::Format {
                path: dir.to_owned(),
                message: "the folder holds no program sheet (*.toml)".into(),
            });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Applies the program sheets in `files`. A bad sheet is rejected with its file, line and
/// reason, and the other sheets still apply; a sheet naming an id no source lists is reported,
/// never fatal. Sheets apply after the merge, so they reach the merged listing by its stable id.
fn apply_sheets(files: &[PathBuf], listings: &mut [Listing], summary: &mut Summary) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let mut sheets = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|source| Error::Read { path: file.clone(), source })?;
        summary.sheets.read += 1;
        match crate::sheets::parse_sheet(file, &text) {
            Ok(sheet) => sheets.push(sheet),
            Err(e) => {
                summary.sheets.rejected += 1;
                let (record, reason) = match &e {
                    crate::sheets::SheetError::Invalid { line, reason, .. } => {
                        (*line, reason.clone())
                    }
                    other => (0, other.to_string()),
                };
                summary.problems.push(Problem {
                    kind: ProblemKind::Rejected,
                    source: format!("sheet {}", file.display()),
                    record,
                    field: "sheet".into(),
                    reason,
                });
            }
        }
    }
    let report = crate::sheets::apply(&sheets, listings);
    summary.sheets.applied = report.applied.len();
    summary.sheets.sessions = report.sessions;
    summary.sheets.unknown_ids = report.unknown_ids.len();
    for (file, id) in report.unknown_ids {
        summary.problems.push(Problem {
            kind: ProblemKind::Rejected,
            source: format!("sheet {}", file.display()),
            record: 0,
            field: "listing_id".into(),
            reason: format!("no listing has the id {id:?}"),
        });
    }
    Ok(())
}

/// Writes listings as JSON Lines in the API's listing shape, sorted by id (deterministic).
pub fn write_jsonl(listings: &[Listing], out: impl Write) -> std::io::Result<()> {
    let mut sorted: Vec<&Listing> = listings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = std::io::BufWriter::new(out);
    for l in sorted {
        serde_json::to_writer(&mut out, l)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_785_283_200), "2026-07-29");
    }

    #[test]
    fn shipped_sources_are_recognised_by_content() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let found = shipped_sources(&data).expect("data/ is readable");
        let kinds: Vec<(SourceKind, String)> = found
            .iter()
            .map(|s| (s.kind, s.path.file_name().unwrap().to_string_lossy().into_owned()))
            .collect();
        for (kind, file) in [
            (SourceKind::National2021, "samhsa_sud_facilities_national_2021.csv"),
            (SourceKind::Otp2021, "samhsa_otp_directory_geocoded_2021.csv"),
            (SourceKind::Dhcs, "ca_dhcs_sud_facilities_2026-08.csv"),
            (SourceKind::FindTreatment, "api_response_page1_charlottesville_va_2019.json"),
            (SourceKind::FindTreatment, "api_response_rows_sa_charlottesville_va_2019.json"),
            (SourceKind::FindTreatment2025Ca, "residential_facilities_ca_2025.json.gz"),
            (SourceKind::Locator2018, "locator_facilities_with_service_detail_sample.csv"),
            (SourceKind::HsdsMiami, "miami211"),
        ] {
            assert!(kinds.contains(&(kind, file.to_owned())), "{file} not found as {kind:?}");
        }
        // Reference tables are no listing sources.
        assert!(!kinds.iter().any(|(_, f)| f == "service_code_reference_2018.csv"));
        assert!(!kinds.iter().any(|(_, f)| f == "api_state_ids.csv"));
    }
}
