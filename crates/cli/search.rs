//! `iop search`: the API's search from a terminal. The flags become the same query string the
//! API takes, so validation, defaults and errors are exactly the API's.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use iop_core::vocabulary::Lang;
use iop_core::{Vocabulary, phone};
use iop_web::params;

use crate::usage;

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Free text (names, services, conditions); typo-tolerant, with synonyms.
    text: Vec<String>,
    /// A ZIP, "City, ST" or "lat,lon".
    #[arg(long)]
    near: Option<String>,
    /// A whole state instead of a radius.
    #[arg(long)]
    state: Option<String>,
    /// The index directory.
    #[arg(long, env = "IOP_INDEX", default_value = "index")]
    index: PathBuf,
    /// Radius in miles (1 to 500, default 25).
    #[arg(long)]
    radius_mi: Option<String>,
    /// Level of care (comma-separated: iop,php,op,...).
    #[arg(long)]
    level: Option<String>,
    /// Therapies (cbt,dbt,mi,...).
    #[arg(long)]
    modality: Option<String>,
    /// Medications (buprenorphine,methadone,...).
    #[arg(long)]
    medication: Option<String>,
    /// Schedule (day,evening,weekend,virtual).
    #[arg(long)]
    schedule: Option<String>,
    /// Payment (medicaid,private_insurance,...).
    #[arg(long)]
    payment: Option<String>,
    /// Population (adults,women,veterans,...).
    #[arg(long)]
    population: Option<String>,
    /// Language (ISO 639-1 code or asl).
    #[arg(long)]
    language: Option<String>,
    /// Also list listings whose record does not say either way for a filtered group.
    #[arg(long)]
    include_unknown: bool,
    /// distance, relevance or name.
    #[arg(long)]
    sort: Option<String>,
    /// Page (1-based).
    #[arg(long)]
    page: Option<String>,
    /// Results per page (1 to 100).
    #[arg(long)]
    per_page: Option<String>,
    /// en or es.
    #[arg(long)]
    lang: Option<String>,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl SearchArgs {
    /// The API query string these flags stand for.
    fn query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let text = self.text.join(" ");
        if !text.trim().is_empty() {
            pairs.push(("q", text));
        }
        let opts: [(&str, &Option<String>); 14] = [
            ("near", &self.near),
            ("state", &self.state),
            ("radius_mi", &self.radius_mi),
            ("level", &self.level),
            ("modality", &self.modality),
            ("medication", &self.medication),
            ("schedule", &self.schedule),
            ("payment", &self.payment),
            ("population", &self.population),
            ("language", &self.language),
            ("sort", &self.sort),
            ("page", &self.page),
            ("per_page", &self.per_page),
            ("lang", &self.lang),
        ];
        for (k, v) in opts {
            if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        }
        if self.include_unknown {
            pairs.push(("include_unknown", "true".into()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn run(data: &Path, args: SearchArgs) -> Result<ExitCode> {
    let qs = args.query_string();
    let params = params::parse_query(Some(&qs))
        .map_err(|e| usage(format!("--{}: {}", e.param.replace('_', "-"), e.message(Lang::En))))?;
    let geo = crate::load_geocoder(data)?;
    let (request, place) = params::resolve(&params, &geo).map_err(|e| {
        let mut msg = format!("--{}: {}", e.param.replace('_', "-"), e.message(Lang::En));
        let suggestions = e.suggestions();
        if !suggestions.is_empty() {
            msg.push_str(&format!(" (did you mean: {}?)", suggestions.join("; ")));
        }
        usage(msg)
    })?;
    let index = iop_index::Index::open(&args.index).with_context(|| {
        format!("opening the index in {} (build it with `iop index`)", args.index.display())
    })?;
    let started = std::time::Instant::now();
    let results = index.search(&request)?;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut out = std::io::stdout().lock();
    if args.json {
        let searched = iop_web::Searched { request, place, results, took_ms };
        let response = iop_web::api::SearchResponse::new(&params, searched);
        serde_json::to_writer_pretty(&mut out, &response)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let lang = params.lang;
    let vocab = Vocabulary::get();
    match &place {
        Some(p) => writeln!(
            out,
            "{} listings within {} mi of {}",
            results.total, params.radius_mi, p.label
        )?,
        None => writeln!(out, "{} listings", results.total)?,
    }
    for (i, hit) in results.hits.iter().enumerate() {
        let l = &hit.listing;
        let n = (params.page - 1) * params.per_page + i + 1;
        let dist = hit
            .distance_m
            .map(|m| format!("{:>6.1} mi", iop_core::distance::m_to_miles(m)))
            .unwrap_or_else(|| "        ".into());
        let levels: Vec<&str> =
            l.levels.values().map(|v| vocab.label(iop_core::Group::Level, v, lang)).collect();
        let place = [l.address.city.as_deref(), l.address.state.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let phone = l.phones.main.as_deref().map(phone::display).unwrap_or_default();
        // No brackets when no level is on file: "[]" would read as "none offered".
        let levels =
            if levels.is_empty() { String::new() } else { format!("  [{}]", levels.join(", ")) };
        writeln!(out, "{n:>4}. {dist}  {}{levels}  {place}  {phone}", l.name)?;
        let unknown: Vec<&str> = l.unknown_groups().iter().map(|g| g.as_str()).collect();
        if !unknown.is_empty() {
            writeln!(out, "                  not on file: {}", unknown.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
