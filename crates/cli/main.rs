//! `iop`: the IOP Finder command line. A thin layer over the library crates: it parses flags,
//! pipes ingest into the index, starts the server, and is the one place that prints an error and
//! picks the exit code (0 success, 2 bad usage or bad input, 1 anything else).

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use iop_core::Listing;
use iop_geo::Geocoder;
use iop_index::Stage;

mod live;
mod search;

/// mimalloc, not the system allocator: an index build makes and frees millions of small strings
/// on two threads, often freeing on one thread what the other allocated, and glibc's malloc spent
/// half of the build's first stage on it (a million listings: 6.1 s with glibc, 3.0 s with
/// mimalloc; see ARCHITECTURE.md, "Memory allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// IOP Finder: an open search engine for intensive outpatient addiction treatment.
#[derive(Debug, Parser)]
#[command(name = "iop", version, about, propagate_version = true)]
struct Cli {
    /// The shipped data folder (sources, vocabulary, geography).
    #[arg(long, global = true, env = "IOP_DATA", default_value = "data")]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Read listings from sources, normalise and merge them, and write JSON Lines.
    Ingest(IngestArgs),
    /// Build the search index (atomically: a failed build leaves the previous one serving).
    Index(IndexArgs),
    /// Search from the terminal: the same search as the API.
    Search(search::SearchArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The index directory; built from the shipped data first if it holds no usable index.
    #[arg(long, env = "IOP_INDEX", default_value = "index")]
    index: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "IOP_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Memory for recent search answers, in MiB; 0 turns the cache off. Answers stay in memory
    /// only, at most 10 minutes, and are dropped when a new index is picked up.
    #[arg(long, env = "IOP_CACHE_MB", default_value_t = 64, value_parser = clap::value_parser!(u16))]
    cache_mb: u16,
    /// Threads one search may use at most; 0: as many as the cores. Only a text search with no
    /// location over a large index (131,072 listings or more) uses more than one, and only
    /// cores no other search is running on.
    #[arg(long, env = "IOP_SEARCH_THREADS", default_value_t = 0)]
    search_threads: usize,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct IngestArgs {
    /// Source files or folders to read instead of the shipped data (format told by content:
    /// SAMHSA and DHCS files, NPPES responses, HSDS 3.0 JSON, HSDS folders).
    sources: Vec<PathBuf>,
    /// Apply the program sheets (*.toml) of this folder, whatever the sources; may be repeated.
    /// Replaces the default, which applies data/sheets when the shipped data is ingested.
    #[arg(long, value_name = "DIR")]
    sheets: Vec<PathBuf>,
    /// Write JSON Lines here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The previous run's JSON Lines: report added, updated (with the fields that changed),
    /// unchanged and stale listings, and keep the ones the sources stopped listing, marked stale.
    #[arg(long)]
    previous: Option<PathBuf>,
    /// Hide progress bars.
    #[arg(long)]
    quiet: bool,
    #[command(subcommand)]
    live: Option<live::LiveCommand>,
}

#[derive(Debug, Args)]
struct IndexArgs {
    /// JSON Lines in the listing shape (what `iop ingest` writes), indexed as they are. Default:
    /// the shipped data, ingested on the fly.
    #[arg(long)]
    input: Option<PathBuf>,
    /// The index directory.
    #[arg(long, env = "IOP_INDEX", default_value = "index")]
    index: PathBuf,
}

/// An error caused by the user's input: exit code 2.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Returns an error that exits with code 2.
fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            if is_usage_error(&err) { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

/// Whether the error (or its cause) is the user's: bad flags, unreadable input files, bad data
/// (a listing the index cannot take is one).
fn is_usage_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<UsageError>()
            || matches!(
                e.downcast_ref::<iop_index::Error>(),
                Some(iop_index::Error::Input(_) | iop_index::Error::Listing { .. })
            )
            || matches!(
                e.downcast_ref::<iop_ingest::source::Error>(),
                Some(
                    iop_ingest::source::Error::Read { .. }
                        | iop_ingest::source::Error::Format { .. }
                )
            )
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    // Logs go to stderr. Filters from RUST_LOG; by default info for our crates. Nothing here
    // logs query text or locations (the web crate's trace layer records route templates only).
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,iop=info,iop_web=info,iop_index=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).init();
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.data, args),
        Command::Ingest(args) => match args.live {
            Some(cmd) => live::run(&cli.data, cmd),
            None => ingest(&cli.data, args),
        },
        Command::Index(args) => index(&cli.data, args),
        Command::Search(args) => search::run(&cli.data, args),
    }
}

fn load_geocoder(data: &Path) -> Result<Geocoder> {
    Geocoder::load(data)
        .map_err(|e| usage(format!("cannot load the geocoder from {}: {e}", data.display())))
}

fn progress_wanted(quiet: bool) -> bool {
    !quiet && io::stderr().is_terminal()
}

/// Ingests the shipped data (or the given files), applies the program sheets of `sheets` (or
/// the default ones when it is empty), compares the result with the `previous` run's JSON Lines
/// when given, and prints the summary and problems to stderr.
fn ingest_listings(
    data: &Path,
    sources: Vec<PathBuf>,
    sheets: &[PathBuf],
    previous: Option<&Path>,
    geo: &Geocoder,
    quiet: bool,
) -> Result<Vec<Listing>> {
    // Read first: a bad previous file fails before the sources are read.
    let before = previous.map(read_jsonl).transpose()?;
    let opts = iop_ingest::pipeline::IngestOptions {
        data_dir: data.to_path_buf(),
        sources,
        progress: progress_wanted(quiet),
    };
    let mut ingest = iop_ingest::pipeline::ingest_with_sheets(&opts, sheets, geo)?;
    if let Some(before) = before {
        ingest.refresh(before);
    }
    let mut err = io::stderr().lock();
    for p in &ingest.summary.problems {
        writeln!(err, "{p}")?;
    }
    writeln!(err, "{}", ingest.summary)?;
    Ok(ingest.listings)
}

fn ingest(data: &Path, args: IngestArgs) -> Result<ExitCode> {
    let geo = load_geocoder(data)?;
    let listings = ingest_listings(
        data,
        args.sources,
        &args.sheets,
        args.previous.as_deref(),
        &geo,
        args.quiet,
    )?;
    write_listings(&listings, args.out.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes listings as JSON Lines to `out`, or to standard output.
fn write_listings(listings: &[Listing], out: Option<&Path>) -> Result<()> {
    match out {
        Some(path) => {
            // Write beside the target and rename, so an interrupted run never leaves half a file.
            let tmp = path.with_extension("jsonl.tmp");
            let file = std::fs::File::create(&tmp)
                .map_err(|e| usage(format!("cannot write {}: {e}", tmp.display())))?;
            let mut w = BufWriter::new(file);
            iop_ingest::pipeline::write_jsonl(listings, &mut w)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
            eprintln!("wrote {} listings to {}", listings.len(), path.display());
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            iop_ingest::pipeline::write_jsonl(listings, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// Reads JSON Lines in the listing shape; a bad line is an error naming the file and line.
fn read_jsonl(path: &Path) -> Result<Vec<Listing>> {
    JsonLines::open(path)?.collect::<std::result::Result<Vec<_>, String>>().map_err(usage)
}

/// The listings of a JSON Lines file, read one line at a time: `iop index --input` hands them
/// to the build as it reads them, so a million listings are never all in memory (read whole
/// first, a million took 3.5 GB). A bad line is an `Err` naming the file and line, after
/// which the iteration ends.
struct JsonLines {
    path: PathBuf,
    lines: std::iter::Enumerate<io::Lines<io::BufReader<std::fs::File>>>,
    failed: bool,
}

impl JsonLines {
    fn open(path: &Path) -> Result<JsonLines> {
        let file = std::fs::File::open(path)
            .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
        let lines = io::BufReader::with_capacity(1 << 20, file).lines().enumerate();
        Ok(JsonLines { path: path.to_path_buf(), lines, failed: false })
    }

    fn parse(
        &self,
        number: usize,
        line: io::Result<String>,
    ) -> Option<std::result::Result<Listing, String>> {
        let at = || format!("{} line {number}", self.path.display());
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err(format!("{}: {e}", at()))),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(match serde_json::from_str::<Listing>(&line) {
            Err(e) => Err(format!("{}: not a listing: {e}", at())),
            Ok(l) if l.id.is_empty() || l.name.is_empty() => {
                Err(format!("{}: a listing needs an id and a name", at()))
            }
            Ok(l) => Ok(l),
        })
    }
}

impl Iterator for JsonLines {
    type Item = std::result::Result<Listing, String>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed {
            let (i, line) = self.lines.next()?;
            if let Some(item) = self.parse(i + 1, line) {
                self.failed = item.is_err();
                return Some(item);
            }
        }
        None
    }
}

/// Builds the index from `listings`, `total` of them when known beforehand (a bar; else a
/// count).
fn build_index(
    dir: &Path,
    listings: impl IntoIterator<Item = std::result::Result<Listing, String>>,
    total: Option<u64>,
    progress: bool,
) -> Result<()> {
    let bar = match (progress, total) {
        (false, _) => ProgressBar::hidden(),
        (true, Some(total)) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template("{msg:>9} {bar:40} {pos}/{len} listings ({per_sec})")
                .expect("static template"),
        ),
        (true, None) => ProgressBar::no_length().with_style(
            ProgressStyle::with_template("{msg:>9} {pos} listings ({per_sec})")
                .expect("static template"),
        ),
    };
    let started = Instant::now();
    let mut stage = None;
    let stats = iop_index::try_build(dir, listings, &mut |p| {
        if stage != Some(p.stage) {
            // Each stage counts the listings again, from zero.
            stage = Some(p.stage);
            bar.set_message(match p.stage {
                Stage::Reading => "reading",
                Stage::Writing => "writing",
                Stage::Finishing | Stage::Done => "finishing",
            });
            bar.reset();
        }
        bar.set_position(p.done);
    })
    .with_context(|| format!("building the index in {}", dir.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "indexed {} listings into {} in {:.1} s ({} bytes)",
        stats.listings,
        dir.display(),
        started.elapsed().as_secs_f64(),
        stats.size_bytes
    );
    Ok(())
}

fn index(data: &Path, args: IndexArgs) -> Result<ExitCode> {
    let progress = progress_wanted(false);
    match &args.input {
        Some(path) => {
            let mut listings = JsonLines::open(path)?.peekable();
            if listings.peek().is_none() {
                bail!(usage("no listings to index"));
            }
            build_index(&args.index, listings, None, progress)?;
        }
        None => {
            let geo = load_geocoder(data)?;
            let listings = ingest_listings(data, Vec::new(), &[], None, &geo, false)?;
            if listings.is_empty() {
                bail!(usage("no listings to index"));
            }
            let total = Some(listings.len() as u64);
            build_index(&args.index, listings.into_iter().map(Ok), total, progress)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the index from the shipped data when `dir` has no usable one.
fn ensure_index(data: &Path, dir: &Path, geo: &Geocoder) -> Result<()> {
    if iop_index::is_usable(dir) {
        return Ok(());
    }
    eprintln!(
        "no usable index in {}: building it from the shipped data in {}",
        dir.display(),
        data.display()
    );
    let listings = ingest_listings(data, Vec::new(), &[], None, geo, false)?;
    let total = Some(listings.len() as u64);
    build_index(dir, listings.into_iter().map(Ok), total, progress_wanted(false))
}

fn serve(data: &Path, args: ServeArgs) -> Result<ExitCode> {
    let addr: std::net::SocketAddr = args.addr.parse().map_err(|_| {
        usage(format!("--addr {:?} is not HOST:PORT (e.g. 127.0.0.1:8080)", args.addr))
    })?;
    iop_index::set_search_threads(args.search_threads);
    let geo = load_geocoder(data)?;
    ensure_index(data, &args.index, &geo)?;
    let index = iop_index::LiveIndex::open(&args.index)
        .with_context(|| format!("opening the index in {}", args.index.display()))?;
    let state = iop_web::AppState::new(index, geo)
        .with_cache_bytes(usize::from(args.cache_mb) * 1024 * 1024);
    let config =
        iop_web::ServeConfig { addr, index_dir: args.index.clone(), data_dir: data.to_path_buf() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(iop_web::serve(config, state))?;
    Ok(ExitCode::SUCCESS)
}
