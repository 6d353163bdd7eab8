//! Paging a result onto disk: one file per page, written atomically, resumable, with a manifest.
//!
//! Layout of an output folder:
//!
//! ```text
//! out_dir/manifest.json    source, endpoint, query, total_pages, record_count, retrieved, ...
//! out_dir/page-0001.json   the raw body of page 1, byte for byte as the server sent it
//! out_dir/page-0002.json   ...
//! ```
//!
//! A page is written to a temporary file and renamed into place, so a file named
//! `page-NNNN.json` is always a whole answer. A later run with the same query finds the pages
//! that are there (and still parse as pages) and fetches only the rest. The manifest is written
//! before the first page is saved, so pages never sit in a folder without the query they
//! answer; a run with another query into the same folder is refused.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::http::{Http, Next, PageFacts, Pager};

/// File name of the manifest in an output folder.
pub const MANIFEST: &str = "manifest.json";

/// The file name of page `page` (1-based): `page-0001.json`.
pub fn page_file_name(page: u32) -> String {
    format!("page-{page:04}.json")
}

/// What happened to a page, as it happens (for progress bars and logs).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PageProgress {
    /// The page was fetched and saved.
    Fetched {
        /// 1-based page number.
        page: u32,
        /// Pages in the result, when known (FindTreatment says after page 1; NPPES never does).
        total_pages: Option<u32>,
        /// Records on the page.
        rows: usize,
    },
    /// The page was already on disk from an earlier run and was not fetched again.
    Resumed {
        /// 1-based page number.
        page: u32,
        /// Pages in the result, when known.
        total_pages: Option<u32>,
        /// Records on the page.
        rows: usize,
    },
    /// A request failed and will be tried again after `wait`.
    Retrying {
        /// 1-based page number.
        page: u32,
        /// The attempt that failed (1 = the first request).
        attempt: u32,
        /// The pause before the next attempt: the server's `Retry-After` when it sent one,
        /// otherwise the backoff.
        wait: Duration,
        /// Why the attempt failed (`HTTP 503`, `timed out`, ...).
        reason: String,
    },
}

/// The outcome of a complete fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchReport {
    /// The output folder.
    pub out_dir: PathBuf,
    /// Every page file of the result, in page order (fetched now or found on disk).
    pub pages: Vec<PathBuf>,
    /// Pages fetched by this run.
    pub fetched: u32,
    /// Pages found on disk from an earlier run.
    pub resumed: u32,
    /// HTTP requests made by this run, retries included.
    pub requests: u32,
    /// Records in all the pages, counted.
    pub records: u64,
    /// Records in the whole result as the API reports them (FindTreatment's `recordCount`);
    /// `None` when the API does not say (NPPES).
    pub reported_records: Option<u64>,
    /// The date of this run, UTC (`YYYY-MM-DD`): the `retrieved` date of the data.
    pub retrieved: String,
    /// True when the API stopped paging before the end of the result (NPPES: at most 1,200
    /// results per query). The pages hold only the first part.
    pub truncated: bool,
}

/// The manifest file's content.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Manifest {
    source: String,
    endpoint: String,
    query: Value,
    #[serde(default)]
    total_pages: Option<u32>,
    #[serde(default)]
    record_count: Option<u64>,
    #[serde(default)]
    records: Option<u64>,
    #[serde(default)]
    pages: Vec<String>,
    retrieved: String,
    complete: bool,
    #[serde(default)]
    truncated: bool,
}

/// Fetches every page of `pager`'s result into `out_dir`, resuming what is there.
pub(crate) fn fetch_all(
    http: &Http,
    pager: &dyn Pager,
    out_dir: &Path,
    progress: &mut dyn FnMut(PageProgress),
) -> Result<FetchReport> {
    fs::create_dir_all(out_dir)
        .map_err(|source| Error::Write { path: out_dir.to_owned(), source })?;
    let query: Value = pager
        .query_params()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let manifest_path = out_dir.join(MANIFEST);
    let previous = check_manifest(&manifest_path, out_dir, pager.source(), &query)?;

    let mut manifest = Manifest {
        source: pager.source().to_owned(),
        endpoint: pager.endpoint().to_owned(),
        query,
        total_pages: None,
        record_count: None,
        records: None,
        pages: Vec::new(),
        retrieved: crate::time::today_utc(),
        complete: false,
        truncated: false,
    };
    let mut report = FetchReport {
        out_dir: out_dir.to_owned(),
        pages: Vec::new(),
        fetched: 0,
        resumed: 0,
        requests: 0,
        records: 0,
        reported_records: None,
        retrieved: manifest.retrieved.clone(),
        truncated: false,
    };
    let mut first = PageFacts::default();
    let mut page: u32 = 1;
    loop {
        let path = out_dir.join(page_file_name(page));
        let facts = if let Some(facts) = saved_page(&path, pager) {
            if page == 1 {
                first = facts;
                write_json(&manifest_path, &manifest)?;
            }
            report.resumed += 1;
            progress(PageProgress::Resumed {
                page,
                total_pages: first.total_pages,
                rows: facts.rows,
            });
            facts
        } else {
            let (body, facts) = http.get_page(pager, page, progress, &mut report.requests)?;
            if page == 1 {
                first = facts;
                // Before the first page lands, so that no page is ever on disk without the
                // query it answers.
                write_json(&manifest_path, &manifest)?;
            }
            write_atomic(&path, body.as_bytes())?;
            report.fetched += 1;
            progress(PageProgress::Fetched {
                page,
                total_pages: first.total_pages,
                rows: facts.rows,
            });
            facts
        };
        report.records += facts.rows as u64;
        report.pages.push(path);
        match pager.after(page, &facts, &first) {
            Next::More => page += 1,
            Next::Done => break,
            Next::Truncated => {
                report.truncated = true;
                tracing::warn!(
                    source = pager.source(),
                    pages = page,
                    "the API pages no further: the result is truncated"
                );
                break;
            }
        }
    }
    if report.resumed > 0
        && let Some(previous) = previous
        && previous.retrieved < manifest.retrieved
    {
        // Some pages come from an earlier day: the data is as old as its oldest page.
        manifest.retrieved = previous.retrieved;
        report.retrieved = manifest.retrieved.clone();
    }
    report.reported_records = first.record_count;
    // The pages saved (the same as the API's `totalPages` except for an empty result, which
    // the API counts as 0 pages and which is saved as one page with no rows).
    manifest.total_pages = Some(page);
    manifest.record_count = first.record_count;
    manifest.records = Some(report.records);
    manifest.pages = (1..=page).map(page_file_name).collect();
    manifest.complete = true;
    manifest.truncated = report.truncated;
    write_json(&manifest_path, &manifest)?;
    Ok(report)
}

/// Refuses an output folder whose manifest records another query; returns the manifest of an
/// earlier run of the same query.
fn check_manifest(
    path: &Path,
    dir: &Path,
    source: &str,
    query: &Value,
) -> Result<Option<Manifest>> {
    let Ok(text) = fs::read_to_string(path) else { return Ok(None) };
    // An unreadable manifest is treated like another query: pages of unknown origin must not
    // be mixed into this result.
    let found = match serde_json::from_str::<Manifest>(&text) {
        Ok(m) if m.source == source && &m.query == query => return Ok(Some(m)),
        Ok(m) => format!("{} {}", m.source, m.query),
        Err(e) => format!("an unreadable {MANIFEST}: {e}"),
    };
    Err(Error::OtherQuery { dir: dir.to_owned(), found })
}

/// The facts of a page saved by an earlier run, if it is there and is a valid page.
fn saved_page(path: &Path, pager: &dyn Pager) -> Option<PageFacts> {
    let text = fs::read_to_string(path).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    match pager.inspect(&value) {
        Ok(facts) => Some(facts),
        Err(_) => {
            tracing::warn!(path = %path.display(), "saved page is not a valid page; fetching it again");
            None
        }
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).expect("a manifest always serialises");
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`: readers see
/// the old file or the new one, never half of one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source| Error::Write { path: path.to_owned(), source };
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: a stray temp file is harmless but untidy.
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_sort_in_page_order() {
        assert_eq!(page_file_name(1), "page-0001.json");
        assert_eq!(page_file_name(765), "page-0765.json");
        let mut names: Vec<String> = [10, 2, 1, 100].into_iter().map(page_file_name).collect();
        names.sort();
        assert_eq!(names, ["page-0001.json", "page-0002.json", "page-0010.json", "page-0100.json"]);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("page-0001.json");
        write_atomic(&path, b"{\"rows\":[]}").expect("write");
        write_atomic(&path, b"{\"rows\":[1]}").expect("overwrite");
        assert_eq!(fs::read_to_string(&path).expect("read"), "{\"rows\":[1]}");
        let names: Vec<_> = fs::read_dir(dir.path()).expect("dir").flatten().collect();
        assert_eq!(names.len(), 1);
        let missing = dir.path().join("no-such-dir").join("page-0001.json");
        assert!(matches!(write_atomic(&missing, b"x"), Err(Error::Write { .. })));
    }

    #[test]
    fn a_manifest_of_another_query_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(MANIFEST);
        let query = serde_json::json!({"limitValue": "50"});
        check_manifest(&path, dir.path(), "findtreatment", &query).expect("no manifest yet");
        let m = Manifest {
            source: "findtreatment".into(),
            endpoint: "x".into(),
            query: query.clone(),
            total_pages: None,
            record_count: None,
            records: None,
            pages: vec![],
            retrieved: "2026-01-01".into(),
            complete: false,
            truncated: false,
        };
        write_json(&path, &m).expect("write");
        let previous = check_manifest(&path, dir.path(), "findtreatment", &query);
        assert_eq!(previous.expect("same query").expect("manifest").retrieved, "2026-01-01");
        let other = serde_json::json!({"limitValue": "18"});
        let err = check_manifest(&path, dir.path(), "findtreatment", &other).expect_err("other");
        assert!(err.to_string().contains("another query"), "{err}");
        assert!(check_manifest(&path, dir.path(), "nppes", &query).is_err());
        fs::write(&path, "not json").expect("write");
        assert!(check_manifest(&path, dir.path(), "findtreatment", &query).is_err());
    }
}
