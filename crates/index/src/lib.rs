/*!
The search core: a tantivy index of listings, answering [`iop_core::search::SearchRequest`]s
with [`iop_core::search::SearchResults`]. No tantivy type appears in this crate's public API,
and nothing here is async.

THIS FILE IS A STUB DEFINING THE PUBLIC API; the index work replaces the bodies.
*/
#![warn(missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use iop_core::Listing;
use iop_core::search::{SearchRequest, SearchResults};

/// Why the index could not be built, opened or searched.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No index in the directory.
    #[error("no index in {0}")]
    Missing(PathBuf),
    /// Built by another schema version.
    #[error("the index in {dir} was built with schema version {found}, this program needs {expected}: rebuild it with `iop index`")]
    SchemaVersion {
        /// The index directory.
        dir: PathBuf,
        /// Version found.
        found: u32,
        /// Version needed.
        expected: u32,
    },
    /// Anything else from the storage layer.
    #[error("index error: {0}")]
    Storage(String),
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

/// An open, searchable index generation.
#[derive(Debug)]
pub struct Index {}

impl Index {
    /// Opens the current generation in `dir`.
    pub fn open(_dir: &Path) -> Result<Index> {
        Err(Error::Storage("not implemented".into()))
    }
    /// Answers a search.
    pub fn search(&self, _req: &SearchRequest) -> Result<SearchResults> {
        Err(Error::Storage("not implemented".into()))
    }
    /// One listing by id.
    pub fn get(&self, _id: &str) -> Result<Option<Listing>> {
        Ok(None)
    }
    /// Several listings by id, in the order asked (unknown ids skipped).
    pub fn get_many(&self, _ids: &[&str]) -> Result<Vec<Listing>> {
        Ok(vec![])
    }
    /// Facts about this generation.
    pub fn stats(&self) -> &IndexStats {
        unimplemented!()
    }
}

/// Builds a new generation from `listings` and makes it current atomically.
pub fn build(
    _dir: &Path,
    _listings: impl IntoIterator<Item = Listing>,
    _progress: &mut dyn FnMut(u64),
) -> Result<IndexStats> {
    Err(Error::Storage("not implemented".into()))
}

/// Whether `dir` holds a usable current index of this schema version.
pub fn is_usable(_dir: &Path) -> bool {
    false
}

/// The current generation of an index directory, swapped when `iop index` makes a new one.
#[derive(Debug)]
pub struct LiveIndex {}

impl LiveIndex {
    /// Opens the current generation.
    pub fn open(_dir: &Path) -> Result<LiveIndex> {
        Err(Error::Storage("not implemented".into()))
    }
    /// The generation to search now (cheap: an `Arc` clone).
    pub fn current(&self) -> Arc<Index> {
        unimplemented!()
    }
    /// Checks for a newer generation and swaps it in; true if it swapped.
    pub fn refresh(&self) -> Result<bool> {
        Ok(false)
    }
}
