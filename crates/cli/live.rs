//! `iop ingest findtreatment|nppes`: fetch a live source page by page into a raw folder
//! (resumable: run the same command again to fetch only what is missing), then ingest the saved
//! pages like any other source (validate, geocode, merge) and write JSON Lines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use iop_fetch::{ClientConfig, FindTreatmentClient, NppesClient, NppesQuery, PageProgress, Query};

use crate::usage;

#[derive(Debug, Subcommand)]
pub(crate) enum LiveCommand {
    /// Fetch from the FindTreatment.gov locator API (by state, or by point and radius).
    Findtreatment(FindTreatmentArgs),
    /// Fetch organisations from the NPPES NPI Registry by taxonomy and state.
    Nppes(NppesArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// Folder for the raw pages (resumable). Default: raw/SOURCE-QUERY (the source name, then the query).
    #[arg(long)]
    raw_dir: Option<PathBuf>,
    /// Write the ingested listings here (JSON Lines) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The API's base URL (for mirrors and tests).
    #[arg(long)]
    base_url: Option<String>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
    /// Ingest only the fetched pages, without merging them into the shipped data.
    #[arg(long)]
    only_fetched: bool,
}

#[derive(Debug, Args)]
pub(crate) struct FindTreatmentArgs {
    /// A two-letter state.
    #[arg(long, conflicts_with = "near", required_unless_present = "near")]
    state: Option<String>,
    /// A point, "lat,lon".
    #[arg(long)]
    near: Option<String>,
    /// Radius around --near in miles.
    #[arg(long, default_value_t = 25.0)]
    radius_mi: f64,
    /// Service codes to require (comma-separated, e.g. OIT).
    #[arg(long, value_delimiter = ',')]
    codes: Vec<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
pub(crate) struct NppesArgs {
    /// A NUCC taxonomy code (261QR0405X) or description.
    #[arg(long)]
    taxonomy: String,
    /// A two-letter state.
    #[arg(long)]
    state: Option<String>,
    #[command(flatten)]
    common: Common,
}

fn bar(quiet: bool) -> ProgressBar {
    if !crate::progress_wanted(quiet) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("fetching {bar:40} page {pos}/{len} {msg}")
            .expect("static template"),
    );
    bar
}

fn on_progress(bar: &ProgressBar) -> impl FnMut(PageProgress) + '_ {
    move |p| match p {
        PageProgress::Fetched { page, total_pages, .. } => {
            if let Some(t) = total_pages {
                bar.set_length(u64::from(t));
            }
            bar.set_position(u64::from(page));
        }
        other => bar.set_message(format!("{other:?}")),
    }
}

fn config(base: ClientConfig, url: &Option<String>) -> ClientConfig {
    match url {
        Some(u) => base.with_base_url(u.clone()),
        None => base,
    }
}

pub(crate) fn run(data: &Path, cmd: LiveCommand) -> Result<ExitCode> {
    let (raw_dir, common) = match cmd {
        LiveCommand::Findtreatment(args) => {
            let query = match (&args.state, &args.near) {
                (Some(st), _) => Query::state(st).map_err(|e| usage(format!("--state: {e}")))?,
                (None, Some(near)) => {
                    let (lat, lon) = parse_point(near)?;
                    Query::near_mi(lat, lon, args.radius_mi)
                        .map_err(|e| usage(format!("--near/--radius-mi: {e}")))?
                }
                (None, None) => return Err(usage("give --state or --near")),
            };
            let mut query = query;
            query.service_codes = args.codes.clone();
            let name = match (&args.state, &args.near) {
                (Some(st), _) => st.to_ascii_lowercase(),
                _ => format!("near-{}-{}mi", args.near.clone().unwrap_or_default(), args.radius_mi)
                    .replace(',', "_"),
            };
            let raw = args
                .common
                .raw_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("raw").join(format!("findtreatment-{name}")));
            let client = FindTreatmentClient::new(config(
                ClientConfig::findtreatment(),
                &args.common.base_url,
            ))?;
            let bar = bar(args.common.quiet);
            let report = client.fetch_all(&query, &raw, on_progress(&bar))?;
            bar.finish_and_clear();
            say_fetched(report.records, report.pages.len(), &raw);
            (raw, args.common)
        }
        LiveCommand::Nppes(args) => {
            let mut query = NppesQuery::new(args.taxonomy.clone());
            if let Some(st) = &args.state {
                query = query.in_state(st.clone());
            }
            let raw = args.common.raw_dir.clone().unwrap_or_else(|| {
                PathBuf::from("raw").join(format!(
                    "nppes-{}-{}",
                    args.taxonomy.to_ascii_lowercase(),
                    args.state.clone().unwrap_or_else(|| "us".into()).to_ascii_lowercase()
                ))
            });
            let client = NppesClient::new(config(ClientConfig::nppes(), &args.common.base_url))?;
            let bar = bar(args.common.quiet);
            let report = client.fetch_all(&query, &raw, on_progress(&bar))?;
            bar.finish_and_clear();
            say_fetched(report.records, report.pages.len(), &raw);
            if report.truncated {
                eprintln!(
                    "note: the NPI Registry returns at most 1,200 results per query; narrow it by state"
                );
            }
            (raw, args.common)
        }
    };
    let pages = page_files(&raw_dir)?;
    // The fetched records merge into the shipped listings (same facility, same stable id).
    let mut sources: Vec<PathBuf> = if common.only_fetched {
        Vec::new()
    } else {
        iop_ingest::pipeline::shipped_sources(data)?.into_iter().map(|s| s.path).collect()
    };
    sources.extend(pages);
    let geo = crate::load_geocoder(data)?;
    let listings = crate::ingest_listings(data, sources, &[], None, &geo, common.quiet)?;
    crate::write_listings(&listings, common.out.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn parse_point(s: &str) -> Result<(f64, f64)> {
    let bad = || usage(format!("--near {s:?} is not \"lat,lon\""));
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    Ok((a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?))
}

/// The saved pages of a raw folder, in page order.
fn page_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("page-") && n.ends_with(".json"))
        })
        .collect();
    pages.sort();
    Ok(pages)
}

/// The line both live fetches end with.
fn say_fetched(records: impl std::fmt::Display, pages: usize, raw: &std::path::Path) {
    eprintln!("fetched {records} records in {pages} pages into {}", raw.display());
}
