//! Index generations on disk, and the atomic swap between them.
//!
//! ```text
//! index/
//!   CURRENT                  one line: the live generation ("gen-000007")
//!   gen-000006/              the previous generation (kept: a server may still read it)
//!   gen-000007/              tantivy files + generation.json
//!   gen-000008.4711.tmp/     a build in progress by process 4711
//! ```
//!
//! A build writes `gen-<n>.<pid>.tmp`, commits and syncs it, renames it to `gen-<n>`, then
//! replaces `CURRENT` by writing `CURRENT.tmp`, syncing it and renaming it over `CURRENT`
//! (rename is atomic). Whatever the moment a build is killed, `CURRENT` names a complete
//! generation. Readers only ever open what `CURRENT` names, and `CURRENT` is only ever a
//! `gen-<n>` name, so a `.tmp` directory is never opened. The next build deletes the `.tmp`
//! directories of dead processes and every generation but the new one and the previous one.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::schema::SCHEMA_VERSION;
use crate::{Error, IndexStats, Result};

/// The file naming the live generation.
pub(crate) const CURRENT: &str = "CURRENT";
/// Our metadata in a generation directory (tantivy owns `meta.json`).
pub(crate) const META: &str = "generation.json";

/// What a generation says about itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct GenerationMeta {
    pub schema_version: u32,
    /// Fingerprint of the vocabulary bit layout (`layout::Layout::fingerprint`).
    pub vocabulary: String,
    pub listings: u64,
    pub size_bytes: u64,
    pub build_seconds: f64,
    pub built_at: String,
}

impl GenerationMeta {
    pub(crate) fn stats(&self) -> IndexStats {
        IndexStats {
            listings: self.listings,
            size_bytes: self.size_bytes,
            build_seconds: self.build_seconds,
            built_at: self.built_at.clone(),
            schema_version: self.schema_version,
        }
    }

    /// Refuses a generation this program cannot read.
    pub(crate) fn check(&self, dir: &Path) -> Result<()> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(Error::SchemaVersion {
                dir: dir.to_path_buf(),
                found: self.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        let expected = Layout::get().fingerprint();
        if self.vocabulary != expected {
            return Err(Error::Vocabulary {
                dir: dir.to_path_buf(),
                found: self.vocabulary.clone(),
                expected,
            });
        }
        Ok(())
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// `gen-000042`.
pub(crate) fn gen_name(n: u64) -> String {
    format!("gen-{n:06}")
}

/// The number of a complete generation's directory name.
pub(crate) fn parse_gen(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("gen-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `gen-000042.4711.tmp`.
pub(crate) fn tmp_name(n: u64, pid: u32) -> String {
    format!("{}.{pid}.tmp", gen_name(n))
}

/// The number and builder pid of an in-progress directory name.
fn parse_tmp(name: &str) -> Option<(u64, Option<u32>)> {
    let stem = name.strip_suffix(".tmp")?;
    match stem.rsplit_once('.') {
        Some((g, pid)) => Some((parse_gen(g)?, pid.parse().ok())),
        None => Some((parse_gen(stem)?, None)),
    }
}

/// The generation `CURRENT` names in `dir`.
pub(crate) fn read_current(dir: &Path) -> Result<String> {
    let path = dir.join(CURRENT);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Missing(dir.to_path_buf()));
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    let name = text.trim();
    if parse_gen(name).is_none() {
        return Err(Error::Storage(format!(
            "{} names {name:?}, which is not an index generation",
            path.display()
        )));
    }
    Ok(name.to_owned())
}

/// Reads `generation.json` of a generation directory.
pub(crate) fn read_meta(gen_dir: &Path) -> Result<GenerationMeta> {
    let path = gen_dir.join(META);
    let bytes = fs::read(&path).map_err(io_err(&path))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Storage(format!("{} is not readable: {e}", path.display())))
}

/// Writes a file and syncs it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// Syncs a directory entry list (after creating or renaming in it). Not every platform can
/// open a directory for syncing; there the rename itself is what we rely on.
pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    match File::open(path) {
        Ok(f) => match f.sync_all() {
            Ok(()) => Ok(()),
            Err(e) if cfg!(unix) => Err(io_err(path)(e)),
            Err(_) => Ok(()),
        },
        Err(e) if cfg!(unix) => Err(io_err(path)(e)),
        Err(_) => Ok(()),
    }
}

/// Syncs every file of a directory and the directory itself.
pub(crate) fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        if entry.file_type().map_err(io_err(&path))?.is_file() {
            File::open(&path).and_then(|f| f.sync_all()).map_err(io_err(&path))?;
        }
    }
    sync_dir(dir)
}

/// Makes `name` the live generation: write `CURRENT.tmp`, sync, rename over `CURRENT`, sync.
pub(crate) fn swap_current(dir: &Path, name: &str) -> Result<()> {
    let tmp = dir.join(format!("{CURRENT}.tmp"));
    write_synced(&tmp, format!("{name}\n").as_bytes())?;
    let current = dir.join(CURRENT);
    fs::rename(&tmp, &current).map_err(io_err(&current))?;
    sync_dir(dir)
}

/// Total bytes of the files in a directory.
pub(crate) fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Whether a process is running (Linux: `/proc/<pid>`). Elsewhere every other process is
/// taken as gone, which only matters when two builds share one directory.
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).is_dir()
}

/// The entries of an index directory: complete generations and builds in progress.
pub(crate) struct Listing {
    pub generations: Vec<(u64, PathBuf)>,
    pub in_progress: Vec<(u64, Option<u32>, PathBuf)>,
}

pub(crate) fn list(dir: &Path) -> Result<Listing> {
    let mut out = Listing { generations: vec![], in_progress: vec![] };
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = parse_gen(&name) {
            out.generations.push((n, entry.path()));
        } else if let Some((n, pid)) = parse_tmp(&name) {
            out.in_progress.push((n, pid, entry.path()));
        }
    }
    out.generations.sort();
    Ok(out)
}

/// Deletes the in-progress directories of builds that are no longer running. A build
/// killed mid-way leaves one behind; it is never opened, and this is where it goes.
pub(crate) fn remove_dead_builds(dir: &Path) -> Result<()> {
    for (_, pid, path) in list(dir)?.in_progress {
        if pid.is_none_or(|p| !alive(p)) {
            tracing::info!(path = %path.display(), "removing an unfinished index build");
            fs::remove_dir_all(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// Deletes every complete generation except those in `keep`. Failures are logged, not fatal:
/// the new generation is already live.
pub(crate) fn remove_old_generations(dir: &Path, keep: &[&str]) {
    let Ok(listing) = list(dir) else { return };
    for (n, path) in listing.generations {
        if keep.contains(&gen_name(n).as_str()) {
            continue;
        }
        if let Err(e) = fs::remove_dir_all(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an old index generation");
        }
    }
}

/// The current time, RFC 3339 UTC to the second.
pub(crate) fn now_rfc3339() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the epoch as RFC 3339 UTC.
pub(crate) fn rfc3339(secs: u64) -> String {
    let (y, m, d) = iop_core::date::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_junk() {
        assert_eq!(parse_gen(&gen_name(42)), Some(42));
        assert_eq!(parse_tmp(&tmp_name(43, 4711)), Some((43, Some(4711))));
        assert_eq!(parse_gen("gen-000043.4711.tmp"), None, "a build in progress is no generation");
        assert_eq!(parse_gen("gen-"), None);
        assert_eq!(parse_gen("gen-../x"), None);
        assert_eq!(parse_gen("CURRENT"), None);
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
    }
}
