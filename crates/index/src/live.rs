//! The live generation of an index directory, swapped without failing a request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use crate::search::Index;
use crate::{Result, store};

/// The current generation of an index directory, swapped when `iop index` makes a new one.
///
/// A plain `RwLock<Arc<Index>>`: readers hold the lock only long enough to clone the `Arc`,
/// so a search that started on the old generation finishes on it (its files stay mapped even
/// after a later build deletes them), and no request ever waits on a build.
#[derive(Debug)]
pub struct LiveIndex {
    dir: PathBuf,
    current: RwLock<Arc<Index>>,
}

impl LiveIndex {
    /// Opens the current generation.
    pub fn open(dir: &Path) -> Result<LiveIndex> {
        let index = Index::open(dir)?;
        Ok(LiveIndex { dir: dir.to_path_buf(), current: RwLock::new(Arc::new(index)) })
    }

    /// The generation to search now (cheap: an `Arc` clone).
    pub fn current(&self) -> Arc<Index> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Checks for a newer generation and swaps it in; true if it swapped. On error the
    /// current generation stays in place.
    pub fn refresh(&self) -> Result<bool> {
        let name = store::read_current(&self.dir)?;
        if name == self.current().generation() {
            return Ok(false);
        }
        let fresh = Arc::new(Index::open(&self.dir)?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        tracing::info!(generation = %name, "switched to a new index generation");
        Ok(true)
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
