/*!
The search core: a tantivy index of listings, answering [`iop_core::search::SearchRequest`]s
with [`iop_core::search::SearchResults`]. No tantivy type appears in this crate's public API,
and nothing here is async: the web crate calls it through `spawn_blocking`.

# Brief overview

- [`build()`] turns listings into a new index *generation* and makes it current atomically: a
  failed or killed build leaves the previous generation serving (see the `store` module).
- [`Index`] is one open generation: [`Index::search`], [`Index::get`], [`Index::stats`].
- [`LiveIndex`] holds the current [`Index`] and swaps in a newer generation on
  [`LiveIndex::refresh`]; searches in flight keep the generation they started with.
- [`is_usable`] says whether a directory holds an index this program can open.

How a search works: the tantivy query selects text AND area (module `text`: every word must
match, through the word, a typo, a prefix, a synonym or a vocabulary label; module `geo`: grid
cells, then the bounding box and the exact great-circle distance, plus the virtual programs
serving the state). One collector pass (`collect`) then applies the attribute filters from two
packed `u64` words per listing (`layout`), counts disjunctive facets for every group, and keeps
the top of the requested order. Filter semantics are those of
[`iop_core::Listing::filter_match`]; the property tests check every count against it.

What keeps it fast: the index is in Hilbert curve order (a build sorts its documents itself,
module `sort`), so the listings of an area have neighbouring doc ids; the attribute words,
points and id and name ranks of every listing are decoded into arrays when a generation opens
(`hot`, about 40 bytes per listing); facet counts are added sixteen bit-lanes at a time; typos
and prefixes are expanded to the terms they reach once per query; multi-word synonyms are found
at indexing time (`phrase` terms), so no field needs positions.
*/
#![warn(missing_docs)]

mod build;
mod codec;
mod collect;
mod dense;
mod files;
mod geo;
mod hot;
mod layout;
mod live;
mod schema;
mod search;
mod sort;
mod store;
mod text;

use std::path::{Path, PathBuf};

use iop_core::Listing;

pub use live::LiveIndex;
pub use schema::SCHEMA_VERSION;
pub use search::{Index, set_search_threads};

/// Why the index could not be built, opened or searched.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No index in the directory.
    #[error("no index in {0}: build one with `iop index`")]
    Missing(PathBuf),
    /// Built by another schema version.
    #[error(
        "the index in {dir} was built with schema version {found}, this program needs {expected}: rebuild it with `iop index`"
    )]
    SchemaVersion {
        /// The index directory.
        dir: PathBuf,
        /// Version found.
        found: u32,
        /// Version needed.
        expected: u32,
    },
    /// Built with another filter vocabulary (values added or removed since).
    #[error(
        "the index in {dir} was built with another filter vocabulary ({found}, this program has {expected}): rebuild it with `iop index`"
    )]
    Vocabulary {
        /// The index directory.
        dir: PathBuf,
        /// Fingerprint found.
        found: String,
        /// Fingerprint of this program's vocabulary.
        expected: String,
    },
    /// A listing given to [`build()`] cannot be indexed.
    #[error("listing {number} ({id:?}): {reason}")]
    Listing {
        /// 1-based position in the input.
        number: u64,
        /// Its id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The listings given to [`try_build()`] could not all be read: the caller's message (say,
    /// the file and line of a line that is not a listing).
    #[error("{0}")]
    Input(String),
    /// A search request the index cannot answer (the callers validate first; this names what
    /// slipped through).
    #[error("bad search request: {0}")]
    Request(String),
    /// A file of the index could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Anything else from the storage layer.
    #[error("index error: {0}")]
    Storage(String),
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Error {
        Error::Storage(e.to_string())
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// Facts about a built index.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct IndexStats {
    /// Listings in the index.
    pub listings: u64,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// Seconds the build took.
    pub build_seconds: f64,
    /// When it was built (RFC 3339, UTC).
    pub built_at: String,
    /// Schema version.
    pub schema_version: u32,
}

/// Builds a new generation from `listings` and makes it current atomically.
///
/// `progress` is called every thousand listings of each [`Stage`], once when the last stage
/// begins, and once when the index is complete (see [`Progress`]). Listings are indexed as given: ids
/// kept, nothing merged; an empty or repeated id, or a location out of range, fails the build
/// with [`Error::Listing`] and leaves the current generation as it was.
///
/// `listings` is read on the calling thread, which also calls `progress` and writes the index;
/// a second thread turns most listings into documents meanwhile, and, from 300,000 listings,
/// writes half of the index while this one writes the other half (tantivy compresses the stored
/// listings on threads of its own). When several listings are wrong, the error is the first in
/// input order. Memory: up to about 100 MB of documents waiting to be sorted (more spill to a file in
/// the generation being built) and the postings of the segment, about 400 bytes a listing.
pub fn build(
    dir: &Path,
    listings: impl IntoIterator<Item = Listing>,
    progress: &mut dyn FnMut(Progress),
) -> Result<IndexStats> {
    build::build(dir, listings.into_iter().map(Ok), progress, build::BuildOptions::default())
}

/// Like [`build()`], for listings read as the build goes (from a file, say, so that a million
/// of them are never all in memory): an `Err` item stops the build with [`Error::Input`] (or
/// with the error of a wrong listing before it: the first in input order) and leaves the
/// current generation as it was.
pub fn try_build(
    dir: &Path,
    listings: impl IntoIterator<Item = std::result::Result<Listing, String>>,
    progress: &mut dyn FnMut(Progress),
) -> Result<IndexStats> {
    build::build(dir, listings, progress, build::BuildOptions::default())
}

/// How far a build is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What it is doing.
    pub stage: Stage,
    /// Listings done in this stage.
    pub done: u64,
}

/// The stages of a build, in order. At a million listings reading took 5.8 s, writing 4.6 s and
/// finishing 2.8 s (`bench_scale`), so a bar over the first alone would sit full for more than
/// half the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Listings checked, turned into documents and sorted along the Hilbert curve.
    Reading,
    /// Documents written into the index's segment, in order (a large build writes two halves
    /// at once, each into a segment of its own).
    Writing,
    /// The segment's files written (a large build's two segments merged into one) and synced
    /// (no count: `done` is every listing).
    Finishing,
    /// The new generation is current.
    Done,
}

/// Like [`build()`], but starts a segment every `every` listings (in key order) and never
/// merges, so the index has several segments. Searches must answer exactly the same; the tests use this to exercise the
/// multi-segment paths (a normal build merges into one segment).
#[doc(hidden)]
pub fn build_in_segments(
    dir: &Path,
    listings: impl IntoIterator<Item = Listing>,
    every: u64,
) -> Result<IndexStats> {
    build::build(
        dir,
        listings.into_iter().map(Ok),
        &mut |_| {},
        build::BuildOptions { commit_every: Some(every), ..build::BuildOptions::default() },
    )
}

/// Like [`build()`], but writes the two halves of the index on two threads and merges them,
/// as a build of [`build()`]'s largest sizes does, however few the listings: the tests use this
/// to check that such an index answers as one written by a single thread.
#[doc(hidden)]
pub fn build_in_halves(
    dir: &Path,
    listings: impl IntoIterator<Item = Listing>,
) -> Result<IndexStats> {
    build::build(
        dir,
        listings.into_iter().map(Ok),
        &mut |_| {},
        build::BuildOptions { parallel_from: Some(0), ..build::BuildOptions::default() },
    )
}

/// Whether `dir` holds a usable current index of this schema version: `CURRENT` names a
/// complete generation built with this schema version and vocabulary.
pub fn is_usable(dir: &Path) -> bool {
    let Ok(name) = store::read_current(dir) else { return false };
    let gen_dir = dir.join(name);
    store::read_meta(&gen_dir).is_ok_and(|m| m.check(dir).is_ok())
        && gen_dir.join("meta.json").is_file()
}
