//! Building a generation: listings in, a complete index directory out, swapped in atomically.
//!
//! Two passes (tantivy compresses the stored listings on a thread of its own meanwhile):
//! 1. every listing becomes a document (`DocBuilder`): its texts analysed once for both their
//!    terms and their multi-word synonyms, its attribute terms and bits, its grid cells, its
//!    stored form (`codec`). The documents are sorted by Hilbert key (`sort`: in memory, or
//!    through a spill file past a budget). The calling thread reads the listings and a second
//!    thread builds most of the documents, by batches (`sort_documents`). Once all are read,
//!    the ids and the folded names are ranked (`Ranks`, on both threads; see `schema` on why
//!    ranks) and the sorted ids written to the generation's id dictionary.
//! 2. the sorted documents are written into a segment with their ranks, in order, so doc ids
//!    follow the curve without tantivy sorting anything. From [`PARALLEL_FROM`] listings the
//!    two halves of the curve are written at once, on two threads, into two segments that are
//!    then merged into one, in their order (the merge sorts nothing and copies the stored
//!    listings' compressed blocks as they are).
//!
//! Why this shape (measured with `examples/bench_scale.rs` on two cores): asking tantivy to
//! sort (`IndexSettings::sort_by_field`) made every segment write its stored listings
//! uncompressed, read them back in key order and write them again, and its two indexing
//! threads made two segments that then had to be merged with a sort, which decompressed and
//! compressed every stored listing once more. At a million listings that was about 21 of 57
//! seconds, with a build peak near 1 GB. Sorting the documents here costs one compact copy of
//! each (on disk when large) and leaves the index as it was: one segment in Hilbert order.
//!
//! The two halves (`bench_scale`, medians, one way and the other alternated): at a million
//! listings, writing them took 5.4 s instead of 8.5 s on one thread, and merging them 2.5 s, so
//! the build took 13.7 s instead of 15.0 s; at 400,000 listings 5.16 s against 6.03 s; at
//! 200,000 about even (2.75 s against 2.67 s), and below that one thread wins. When the merge was
//! first tried, a document cost more to write (its stored form was JSON, its keyword values
//! went to tantivy one by one) and the merge cost what the second thread saved.
//!
//! Leaving the two segments unmerged: when first tried, text searches were a third slower.
//! Measured again with this code at a million listings (`bench_scale`, the merge skipped in an
//! experiment; one index each, served alternately four times on one thread, medians): the two
//! segments answered 4% slower for a text alone (p50 4.08 against 3.92 ms), 8% for a location
//! (0.339 against 0.312 ms), the same for a state or virtual search; the build without the
//! merge took 1.5 s less (8.3 against 9.8 s, medians of four alternated runs; its finishing
//! stage 0.8 against 2.1 s). Searches are what people wait for, a build runs in the
//! background: the merge stays.
//!
//! The allocator: the `iop` binary (and the benchmarks) use mimalloc, not glibc's malloc. A
//! build makes and frees millions of small strings on two threads, and with glibc the first
//! stage spent about half its time in malloc and free (`_int_free`, `malloc_consolidate`). At a
//! million listings (`bench_scale`, three alternated runs each) the first stage took 3.0 s
//! instead of 6.1 s and the build 10.3 s instead of 14.3 s; `iop index --input` of a million
//! JSON lines 14.6 to 14.9 s instead of 19.2 to 19.3 s. Searches: the same or a little faster
//! (20,000 listings, five alternated runs: p50 0.22 ms against 0.21 ms, faster in four runs of
//! five). The cost is memory: a server at 20,000 listings holds 43 MB instead of 19 MB, at a
//! million 128 MB instead of 110 MB. (An earlier session measured a tenth faster builds and
//! slower searches, and left it out; the build has changed since.) mimalloc returns freed
//! memory to the system after a delay, and the segment writers then fault fresh pages in:
//! with `MIMALLOC_PURGE_DELAY=-1` in the environment a million-listing build was faster still
//! (8.4 s against 9.3 s, medians of three alternated runs; its writing stage 3.5 s against
//! 3.9 s). That is left to the operator: setting it from here would take `unsafe` code.
//!
//! Tried and left out:
//! - the second thread freeing the listings it was given: with the system allocator, a thread
//!   freeing memory another thread allocated waits on that thread's lock, and that cost more
//!   than the second core gave. So the listings go back to be freed where they were read (see
//!   `Built`), and their stored form is written from a borrowed listing;
//! - reading the sorted documents back on the second thread while this one writes them: no
//!   faster (writing 2.14 s against 2.19 s at 200,000 listings; the documents are then freed
//!   on another thread than the one that made them);
//! - for `iop index --input`, parsing the JSON lines on the second thread instead of in the
//!   caller's iterator: both threads are busy either way while reading (29.0 to 31.3 s at a
//!   million listings, against 30.1 to 31.5 s), so the simpler shape stayed.

use std::collections::{BTreeSet, VecDeque};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use iop_core::listing::Tri;
use iop_core::{Group, Listing};
use tantivy::index::SegmentMeta;
use tantivy::indexer::{AddOperation, SegmentWriter};
use tantivy::store::Compressor;
use tantivy::{Directory, IndexMeta, IndexSettings, IndexWriter, TantivyDocument};

use crate::codec;
use crate::layout::Layout;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::sort::{self, Batch, DocSink, Sorted, Sorter};
use crate::store::{self, GenerationMeta, io_err};
use crate::text::{self, push_attr_value, push_value};
use crate::{Error, IndexStats, Progress, Result, Stage};

/// Memory for the segment being written. Its postings are built in memory, about 400 bytes a
/// listing, so a million listings fit in one segment; a larger build gets several, merged at
/// the end. The memory is taken as the segment grows, not up front.
const WRITER_HEAP_BYTES: usize = 640 * 1024 * 1024;

/// What the segment writer is told its memory is: it only sizes its first hash table from it.
const SEGMENT_TABLE_BYTES: usize = 64 * 1024 * 1024;

/// Memory of the writer that merges the segments of a very large build (it only merges).
const MERGE_WRITER_BYTES: usize = 32 * 1024 * 1024;

/// From this many listings, the two halves of the curve are written into segments on two
/// threads, then merged into one. Below, the merge costs more than the second thread saves
/// (see `examples/bench_scale.rs` for the figures).
const PARALLEL_FROM: u64 = 300_000;

/// Doc store block size: a page of results reads listings at random, and each read
/// decompresses a whole block, so blocks are small (tantivy's default is 16 KiB, which
/// compresses a little better but costs about four times as much per listing read).
const DOCSTORE_BLOCK: usize = 4 * 1024;

/// The spill file of the sort, in the generation being built (removed before it is done).
const SPILL: &str = "sort.spill";

/// How often `progress` is called.
const PROGRESS_EVERY: u64 = 1000;

/// How a build lays out its work; the defaults, except in tests.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BuildOptions {
    /// A segment every this many listings (in key order), never merged: several segments, for
    /// the tests of the multi-segment paths. `None`: one segment.
    pub commit_every: Option<u64>,
    /// Bytes of documents the sort keeps in memory (tests: a small one spills to disk).
    /// `None`: [`sort::MEMORY_BUDGET`].
    pub sort_memory: Option<usize>,
    /// Memory of a segment being written before the next one starts (tests: a small one
    /// makes several segments, then merged). `None`: [`WRITER_HEAP_BYTES`].
    pub writer_memory: Option<usize>,
    /// From how many listings the two halves are written on two threads (tests: a small
    /// number). `None`: [`PARALLEL_FROM`].
    pub parallel_from: Option<u64>,
}

pub(crate) fn build(
    dir: &Path,
    listings: impl IntoIterator<Item = std::result::Result<Listing, String>>,
    progress: &mut dyn FnMut(Progress),
    options: BuildOptions,
) -> Result<IndexStats> {
    let started = Instant::now();
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    store::remove_dead_builds(dir)?;
    let previous = store::read_current(dir).ok();
    let existing = store::list(dir)?;
    let mut n = existing
        .generations
        .iter()
        .map(|(n, _)| *n)
        .chain(existing.in_progress.iter().map(|(n, _, _)| *n))
        .max()
        .map_or(1, |m| m + 1);
    let pid = std::process::id();
    let tmp = loop {
        let path = dir.join(store::tmp_name(n, pid));
        match fs::create_dir(&path) {
            Ok(()) => break path,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(io_err(&path)(e)),
        }
    };
    let meta = match write_generation(&tmp, listings, progress, started, options) {
        Ok(meta) => meta,
        Err(e) => {
            // Best effort: a directory left behind is removed by the next build anyway.
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let name = store::gen_name(n);
    let done = dir.join(&name);
    fs::rename(&tmp, &done).map_err(io_err(&done))?;
    store::sync_dir(dir)?;
    store::swap_current(dir, &name)?;
    progress(Progress { stage: Stage::Done, done: meta.listings });
    let mut keep = vec![name.as_str()];
    keep.extend(previous.as_deref());
    store::remove_old_generations(dir, &keep);
    tracing::info!(generation = %name, listings = meta.listings, seconds = meta.build_seconds, "index built");
    Ok(meta.stats())
}

fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::Storage(e.to_string())
}

fn write_generation(
    tmp: &Path,
    listings: impl IntoIterator<Item = std::result::Result<Listing, String>>,
    progress: &mut dyn FnMut(Progress),
    started: Instant,
    options: BuildOptions,
) -> Result<GenerationMeta> {
    // No `sort_by_field`: the documents are sorted here (see `sort`) and every segment is
    // written in key order.
    let settings = IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: DOCSTORE_BLOCK,
        ..IndexSettings::default()
    };
    let index = tantivy::Index::builder()
        .schema(schema::schema())
        .settings(settings)
        .create_in_dir(tmp)
        .map_err(tantivy_err)?;
    schema::register_tokenizers(&index);
    let fields = Fields::new(&index.schema())?;
    let layout = Layout::get();

    // 1. Listings to documents, sorted by Hilbert key.
    let t_documents = Instant::now();
    let sorter = Sorter::new(tmp.join(SPILL), options.sort_memory.unwrap_or(sort::MEMORY_BUDGET));
    let read = sort_documents(fields, listings, progress, sorter)?;
    let (sorted, count) = (read.sorted, read.names.len() as u64);
    let ranks = Ranks::of(&fields, read.ids, &read.names, tmp)?;
    let documents_seconds = t_documents.elapsed().as_secs_f64();

    // 2. The sorted documents to segments, in order: doc ids follow the Hilbert curve, within
    // a segment and from one segment to the next. A large build writes the two halves of the
    // curve on two threads, then merges them (below).
    let t_segments = Instant::now();
    let total = sorted.len();
    let halves = options.commit_every.is_none()
        && total as u64 >= options.parallel_from.unwrap_or(PARALLEL_FROM);
    let budget = options.writer_memory.unwrap_or(WRITER_HEAP_BYTES) / if halves { 2 } else { 1 };
    let written = AtomicU64::new(0);
    let done: Vec<SegmentMeta> = if halves {
        let mid = total / 2;
        std::thread::scope(|scope| {
            let second = std::thread::Builder::new()
                .name("iop-index-segment".into())
                .spawn_scoped(scope, || {
                    let (range, ranks) = (mid..total, &ranks);
                    write_segments(&index, &sorted, range, ranks, budget, options, &written, None)
                })
                .map_err(|e| Error::Storage(format!("cannot start a build thread: {e}")))?;
            let first = write_segments(
                &index,
                &sorted,
                0..mid,
                &ranks,
                budget,
                options,
                &written,
                Some(progress),
            );
            let second =
                second.join().map_err(|_| Error::Storage("the build thread failed".into()))?;
            let mut done = first?;
            done.extend(second?);
            Ok::<_, Error>(done)
        })?
    } else {
        let range = 0..total;
        write_segments(&index, &sorted, range, &ranks, budget, options, &written, Some(progress))?
    };
    let opstamp = total as u64;
    sorted.remove_spill()?;
    let segment_count = done.len();
    // The segments in key order, as tantivy's own writer would list them after a commit.
    let index_meta = IndexMeta {
        index_settings: index.settings().clone(),
        persisted_custom_extensions: Vec::new(),
        segments: done,
        schema: index.schema(),
        opstamp,
        payload: None,
    };
    let mut json =
        serde_json::to_vec_pretty(&index_meta).map_err(|e| Error::Storage(e.to_string()))?;
    json.push(b'\n');
    let meta_path = tmp.join(TANTIVY_META);
    index.directory().atomic_write(Path::new(TANTIVY_META), &json).map_err(io_err(&meta_path))?;
    // One segment: faster searches, one term dictionary in memory instead of several. A build
    // too big for the writer's memory gets several (each a contiguous run of the curve); they
    // are merged here, in their order (no sort: the stored listings' compressed blocks are
    // copied as they are), which `tests::documents_are_in_key_order_across_segments` checks.
    if segment_count > 1 && options.commit_every.is_none() {
        let index = tantivy::Index::open_in_dir(tmp).map_err(tantivy_err)?;
        schema::register_tokenizers(&index);
        let mut writer: IndexWriter =
            index.writer_with_num_threads(1, MERGE_WRITER_BYTES).map_err(tantivy_err)?;
        let ids = index.searchable_segment_ids().map_err(tantivy_err)?;
        writer.merge(&ids).wait().map_err(tantivy_err)?;
        writer.wait_merging_threads().map_err(tantivy_err)?;
    }
    tracing::debug!(
        listings = count,
        documents_seconds,
        segments_seconds = t_segments.elapsed().as_secs_f64(),
        segment_count,
        "index generation written"
    );
    let meta = GenerationMeta {
        schema_version: SCHEMA_VERSION,
        vocabulary: layout.fingerprint(),
        listings: count,
        size_bytes: store::dir_size(tmp),
        build_seconds: started.elapsed().as_secs_f64(),
        built_at: store::now_rfc3339(),
    };
    let json = serde_json::to_vec_pretty(&meta).map_err(|e| Error::Storage(e.to_string()))?;
    store::write_synced(&tmp.join(store::META), &json)?;
    store::sync_tree(tmp)?;
    Ok(meta)
}

/// Writes the sorted documents of `range` into segments, in order, each finished when full (see
/// `BuildOptions`) and the last one at the end, with their listings' ranks. Counts what it
/// writes in `written`; with `progress`, reports the count (of every thread) as it goes.
#[allow(clippy::too_many_arguments)]
fn write_segments(
    index: &tantivy::Index,
    sorted: &Sorted,
    range: std::ops::Range<usize>,
    ranks: &Ranks,
    budget: usize,
    options: BuildOptions,
    written: &AtomicU64,
    mut progress: Option<&mut dyn FnMut(Progress)>,
) -> Result<Vec<SegmentMeta>> {
    let mut docs = sorted.reader_of(range.clone())?;
    let mut done: Vec<SegmentMeta> = Vec::new();
    let mut current: Option<SegmentInProgress> = None;
    // A document's opstamp is its position: unique across the threads, in doc order.
    let mut opstamp = range.start as u64;
    while let Some((number, mut document)) = docs.next_doc()? {
        ranks.add_to(&mut document, number)?;
        let seg = match &mut current {
            Some(seg) => seg,
            None => current.insert(SegmentInProgress::new(index)?),
        };
        seg.writer.add_document(AddOperation { opstamp, document }).map_err(tantivy_err)?;
        opstamp += 1;
        seg.docs += 1;
        if opstamp.is_multiple_of(PROGRESS_EVERY) {
            let all = written.fetch_add(PROGRESS_EVERY, Ordering::Relaxed) + PROGRESS_EVERY;
            if let Some(progress) = progress.as_mut() {
                progress(Progress { stage: Stage::Writing, done: all });
            }
        }
        let full = match options.commit_every {
            Some(every) => u64::from(seg.docs) >= every.max(1),
            // Checked now and then: it walks the writer's structures.
            None => seg.docs.is_multiple_of(1024) && seg.writer.mem_usage() >= budget,
        };
        if full && let Some(seg) = current.take() {
            done.push(seg.finish()?);
        }
    }
    if let Some(progress) = progress {
        // (The other thread may still be writing its last documents.)
        progress(Progress { stage: Stage::Finishing, done: sorted.len() as u64 });
    }
    if let Some(seg) = current.take() {
        done.push(seg.finish()?);
    }
    Ok(done)
}

/// Listings handed to the second thread at a time: enough to make a channel message cheap
/// beside the work, few enough that both threads stay busy to the end.
const BATCH: usize = 64;

/// Batches at most waiting for the second thread. When it is behind, this thread builds the
/// next batch itself instead of waiting.
const QUEUED: usize = 2;

/// A batch of listings, numbered from `first` (0-based, for messages), and the buffer their
/// documents go into.
struct Work {
    first: u64,
    listings: Vec<Listing>,
    into: Batch,
    names: Keys,
}

/// The documents of a batch, and its listings, handed back to be freed by the thread that
/// read them: the system allocator makes a thread that frees memory another thread allocated
/// wait for that thread's lock, which cost more than the second thread gave.
struct Built {
    documents: Batch,
    listings: Vec<Listing>,
    /// The folded names of the listings (`text::sort_key`), in input order.
    names: Keys,
}

/// What reading the listings gave: their documents sorted, and what their ranks are computed
/// from (one name per listing: their number).
struct Read {
    sorted: Sorted,
    /// Every id, with the input number of its listing.
    ids: foldhash::HashMap<String, u64>,
    /// The folded name of every listing, by input number.
    names: Keys,
}

/// Strings one after the other in one buffer, by number (one allocation for all, not one each):
/// the folded names of a batch, then of the whole build.
#[derive(Debug, Default)]
struct Keys {
    text: String,
    ends: Vec<usize>,
}

impl Keys {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn append(&mut self, other: &Keys) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| base + e));
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// The rank of every listing's id and folded name among those of the build, by input number.
/// A build computes them once every listing is read, between its two stages, and writes them
/// into the documents as they go to tantivy (see `schema` on why ranks rather than strings).
#[derive(Debug)]
struct Ranks {
    id: Vec<u32>,
    name: Vec<u32>,
    /// The fields they go into: `id_rank`, `name_rank`.
    fields: [tantivy::schema::Field; 2],
}

impl Ranks {
    /// Ranks the ids (on this thread) and the names (on another), and writes the sorted ids into
    /// the generation's id dictionary (`schema::IDS`) in `dir`.
    fn of(
        fields: &Fields,
        ids: foldhash::HashMap<String, u64>,
        names: &Keys,
        dir: &Path,
    ) -> Result<Ranks> {
        let n = names.len();
        if u32::try_from(n).is_err() {
            return Err(Error::Storage(format!("{n} listings: an index holds at most 2^32")));
        }
        std::thread::scope(|scope| {
            let name = std::thread::Builder::new()
                .name("iop-index-ranks".into())
                .spawn_scoped(scope, || name_ranks(names))
                .map_err(|e| Error::Storage(format!("cannot start a build thread: {e}")))?;
            let id = id_ranks(ids, n, &dir.join(schema::IDS))?;
            let name = name.join().map_err(|_| Error::Storage("the build thread failed".into()))?;
            Ok(Ranks { id, name, fields: [fields.id_rank, fields.name_rank] })
        })
    }

    /// Adds the ranks of the `number`-th listing to its document.
    fn add_to(&self, doc: &mut TantivyDocument, number: u64) -> Result<()> {
        let (Some(id), Some(name)) = (self.id.get(number as usize), self.name.get(number as usize))
        else {
            return Err(Error::Storage(format!("no rank for listing {number}")));
        };
        doc.add_u64(self.fields[0], u64::from(*id));
        doc.add_u64(self.fields[1], u64::from(*name));
        Ok(())
    }
}

/// The rank of each id (by input number; `n` of them), and the ids in order written to the id
/// dictionary at `path`. Sorted by their first eight bytes first, as the names.
fn id_ranks(ids: foldhash::HashMap<String, u64>, n: usize, path: &Path) -> Result<Vec<u32>> {
    let mut sorted: Vec<(u64, String, u64)> =
        ids.into_iter().map(|(id, number)| (prefix(&id), id, number)).collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut rank = vec![0u32; n];
    for (r, (_, _, number)) in (0..).zip(&sorted) {
        rank[*number as usize] = r;
    }
    write_ids(path, sorted.iter().map(|(_, id, _)| id.as_str()))?;
    Ok(rank)
}

/// The rank of each folded name, by input number: equal names, equal ranks (the id decides
/// between them). The distinct names first (names repeat: chains, "Recovery Center"), then those
/// sorted: by their first eight bytes, and by the whole name only where those are equal, so most
/// comparisons touch no string (the names are scattered in memory).
fn name_ranks(names: &Keys) -> Vec<u32> {
    let mut distinct: Vec<&str> = Vec::new();
    let mut seen: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
    let of: Vec<u32> = (0..names.len())
        .map(|i| {
            let name = names.get(i);
            *seen.entry(name).or_insert_with(|| {
                distinct.push(name);
                distinct.len() as u32 - 1
            })
        })
        .collect();
    drop(seen);
    let mut order: Vec<(u64, u32)> =
        distinct.iter().zip(0..).map(|(name, d)| (prefix(name), d)).collect();
    order.sort_unstable_by(|(pa, a), (pb, b)| {
        pa.cmp(pb).then_with(|| distinct[*a as usize].cmp(distinct[*b as usize]))
    });
    let mut rank_of = vec![0u32; distinct.len()];
    for (rank, (_, d)) in (0..).zip(&order) {
        rank_of[*d as usize] = rank;
    }
    of.into_iter().map(|d| rank_of[d as usize]).collect()
}

/// The first eight bytes of a string as a number (zeros past its end): numbers in the order of
/// the strings, equal when the strings share those bytes.
fn prefix(s: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// Writes sorted ids into an id dictionary (`schema::IDS`); `build` syncs it with the rest.
fn write_ids<'a>(path: &Path, sorted: impl Iterator<Item = &'a str>) -> Result<()> {
    let file = fs::File::create(path).map_err(io_err(path))?;
    // (`Dictionary` with its default type: no values, only the keys and their ordinals.)
    let mut dict = <tantivy::columnar::Dictionary>::builder(std::io::BufWriter::new(file))
        .map_err(io_err(path))?;
    for id in sorted {
        dict.insert(id.as_bytes(), &()).map_err(io_err(path))?;
    }
    let out = dict.finish().map_err(io_err(path))?;
    out.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
    Ok(())
}

/// Turns the listings into documents and sorts them, on two threads: this one reads the
/// listings (the caller's iterator stays here), checks their ids are unique and hands them
/// out by batches; a second one builds the documents of a batch (`DocBuilder`, most of the
/// work). When the second thread is behind, this one builds the next batch itself. Batches go
/// into the sorter in input order whoever built them, so listings with equal keys keep their
/// input order and the index is the same whatever the timing.
fn sort_documents(
    fields: Fields,
    listings: impl IntoIterator<Item = std::result::Result<Listing, String>>,
    progress: &mut dyn FnMut(Progress),
    sorter: Sorter,
) -> Result<Read> {
    std::thread::scope(|scope| {
        let (to_worker, work) = mpsc::sync_channel::<Work>(QUEUED);
        let (built_tx, built) = mpsc::channel::<Result<Built>>();
        let worker = std::thread::Builder::new()
            .name("iop-index-documents".into())
            .spawn_scoped(scope, move || {
                let mut builder = DocBuilder::new(fields);
                for w in work {
                    if built_tx.send(builder.write_batch(w)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::Storage(format!("cannot start a build thread: {e}")))?;
        let mut here = DocBuilder::new(fields);
        let mut queue = InOrder {
            pending: VecDeque::new(),
            built,
            sorter,
            names: Keys::default(),
            spares: Vec::new(),
        };
        // foldhash rather than std's SipHash: hashing the ids was a tenth of this thread's own
        // work (callgrind), and the input is the operator's own file, not an adversary's.
        // The ids seen, with their listing's number: repeated ids stop the build, and the ids
        // are ranked at the end (`Ranks`).
        let mut seen: foldhash::HashMap<String, u64> = foldhash::HashMap::default();
        let mut count: u64 = 0;
        let mut listings = listings.into_iter();
        let result = loop {
            let Built { documents: into, listings: spare, names } =
                queue.spares.pop().unwrap_or_else(|| Built {
                    documents: Batch::default(),
                    listings: Vec::with_capacity(BATCH),
                    names: Keys::default(),
                });
            let mut w = Work { first: count, listings: spare, into, names };
            // What stops the build here: a listing that could not be read, or a repeated id.
            let mut stop = None;
            for item in listings.by_ref().take(BATCH) {
                let listing = match item {
                    Ok(listing) => listing,
                    Err(reason) => {
                        stop = Some(Error::Input(reason));
                        break;
                    }
                };
                if seen.insert(listing.id.clone(), count).is_some() {
                    stop = Some(Error::Listing {
                        number: count + 1,
                        id: listing.id,
                        reason: "the same id appears twice".into(),
                    });
                    break;
                }
                w.listings.push(listing);
                count += 1;
                if count.is_multiple_of(PROGRESS_EVERY) {
                    progress(Progress { stage: Stage::Reading, done: count });
                }
            }
            let last = w.listings.len() < BATCH;
            if !w.listings.is_empty() {
                match to_worker.try_send(w) {
                    Ok(()) => queue.pending.push_back(None),
                    Err(mpsc::TrySendError::Full(w)) => {
                        queue.pending.push_back(Some(here.write_batch(w)));
                    }
                    Err(mpsc::TrySendError::Disconnected(_)) => break Err(worker_gone()),
                }
            }
            // A short batch is the last: the input ended, or `stop`. Every batch is then
            // appended first, so an earlier listing's own error comes first.
            if let Err(e) = queue.append_ready(last) {
                break Err(e);
            }
            if let Some(e) = stop {
                break Err(e);
            }
            if last {
                break Ok(());
            }
        };
        drop(to_worker);
        // A panic there is the cause of whatever went wrong here.
        worker.join().map_err(|_| Error::Storage("the build thread failed".into()))?;
        result?;
        Ok(Read { sorted: queue.sorter.finish()?, ids: seen, names: queue.names })
    })
}

/// Built batches on their way into the sorter, in input order.
struct InOrder {
    /// Every batch handed out and not yet appended, in input order: `None` while the second
    /// thread has it (it answers in the order it was given them).
    pending: VecDeque<Option<Result<Built>>>,
    built: mpsc::Receiver<Result<Built>>,
    sorter: Sorter,
    /// The folded names of the appended batches.
    names: Keys,
    /// Appended batches, emptied, for the next ones (no allocation per batch).
    spares: Vec<Built>,
}

impl InOrder {
    /// Appends the batches at the front that are built; with `wait`, waits for all of them.
    /// The first error in input order is returned.
    fn append_ready(&mut self, wait: bool) -> Result<()> {
        while let Some(front) = self.pending.front_mut() {
            if front.is_none() {
                let answer = match wait {
                    true => self.built.recv().ok(),
                    false => self.built.try_recv().ok(),
                };
                match answer {
                    Some(answer) => *front = Some(answer),
                    // Waiting and no answer: the thread ended (`join` then says how).
                    None if wait => return Err(worker_gone()),
                    None => return Ok(()),
                }
            }
            if let Some(answer) = self.pending.pop_front().flatten() {
                let mut built = answer?;
                self.sorter.append(&built.documents)?;
                self.names.append(&built.names);
                built.documents.clear();
                built.names.clear();
                // The listings are freed here, on the thread that read them.
                built.listings.clear();
                self.spares.push(built);
            }
        }
        Ok(())
    }
}

fn worker_gone() -> Error {
    Error::Storage("the build thread ended early".into())
}

/// tantivy's own metadata file, which lists the segments.
const TANTIVY_META: &str = "meta.json";

/// A segment being written.
struct SegmentInProgress {
    segment: tantivy::Segment,
    writer: SegmentWriter,
    docs: u32,
}

impl SegmentInProgress {
    fn new(index: &tantivy::Index) -> Result<SegmentInProgress> {
        let segment = index.new_segment();
        let writer = SegmentWriter::for_segment(SEGMENT_TABLE_BYTES, segment.clone())
            .map_err(tantivy_err)?;
        Ok(SegmentInProgress { segment, writer, docs: 0 })
    }

    /// Writes the segment's files (its stored listings are compressed on tantivy's own
    /// thread meanwhile).
    fn finish(self) -> Result<SegmentMeta> {
        self.writer.finalize().map_err(tantivy_err)?;
        Ok(self.segment.with_max_doc(self.docs).meta().clone())
    }
}

/// Checks what the index relies on, with a message naming the listing.
fn validate(l: &Listing, number: u64) -> Result<()> {
    let bad = |reason: String| Error::Listing { number: number + 1, id: l.id.clone(), reason };
    if l.id.trim().is_empty() {
        return Err(bad("the id is empty".into()));
    }
    if let Some(loc) = &l.location {
        if !(loc.lat.is_finite() && (-90.0..=90.0).contains(&loc.lat)) {
            return Err(bad(format!("latitude {} is not between -90 and 90", loc.lat)));
        }
        if !(loc.lon.is_finite() && (-180.0..=180.0).contains(&loc.lon)) {
            return Err(bad(format!("longitude {} is not between -180 and 180", loc.lon)));
        }
    }
    Ok(())
}

/// Turns listings into tantivy documents (see `schema` for what each field is for), reusing its
/// buffers from one listing to the next: a build makes a million documents, and allocations
/// were a good part of their cost.
pub(crate) struct DocBuilder {
    fields: Fields,
    layout: &'static Layout,
    text: text::Analysed,
    phrases: BTreeSet<String>,
    /// The text of a field whose values are given as one (see `write`).
    joined: String,
    /// The stored form of the listing (`codec`).
    stored: String,
    /// The folded name of the last listing written (`text::sort_key`), ranked at the end of
    /// the reading (`Ranks`).
    name_key: String,
}

impl DocBuilder {
    pub(crate) fn new(fields: Fields) -> DocBuilder {
        DocBuilder {
            fields,
            layout: Layout::get(),
            text: text::Analysed::new(),
            phrases: BTreeSet::new(),
            joined: String::new(),
            stored: String::new(),
            name_key: String::new(),
        }
    }

    /// Writes the documents of a batch of listings into its buffer.
    fn write_batch(&mut self, w: Work) -> Result<Built> {
        let (mut documents, mut names) = (w.into, w.names);
        documents.clear();
        names.clear();
        for (number, listing) in (w.first..).zip(&w.listings) {
            documents.push(geo_key(listing), number, |record| {
                self.write(listing, number, record)?;
                names.push(self.name_key());
                Ok(())
            })?;
        }
        Ok(Built { documents, listings: w.listings, names })
    }

    /// The folded name of the listing [`DocBuilder::write`] wrote last.
    fn name_key(&self) -> &str {
        &self.name_key
    }

    /// Writes the document of a listing, the `number`-th of the build (0-based, for
    /// messages).
    pub(crate) fn write(&mut self, l: &Listing, number: u64, doc: &mut impl DocSink) -> Result<()> {
        validate(l, number)?;
        let f = &self.fields;
        // A field's values go to tantivy as one text: it indexes a text with one token stream,
        // however many tokens it has, and a value at a time cost a stream each. `name` and
        // `body` get their analysed texts joined by spaces (the same terms and frequencies: they
        // have no positions); `phrase`, `attr` and `vstate` get their values joined by
        // `text::VALUE_SEPARATOR`. An empty text is left out, as it indexes nothing.
        //
        // Each text is analysed once, here: its tokens go to `name` or `body` (see
        // `text::indexing_tokenizer`) and are scanned for multi-word synonyms (`phrase`), in
        // each text apart, so that no phrase spans two of them.
        self.phrases.clear();
        self.text.analyse(&l.name);
        self.name_key.clear();
        self.name_key.push_str(text::sort_key(&self.text));
        text::phrase_terms(true, &self.text, &mut self.phrases);
        self.joined.clear();
        self.joined.push_str(self.text.joined());
        if let Some(alt) = &l.alt_name {
            self.text.analyse(alt);
            join_analysed(&mut self.joined, self.text.joined());
            text::phrase_terms(true, &self.text, &mut self.phrases);
        }
        if !self.joined.is_empty() {
            doc.text(f.name, &self.joined);
        }
        self.joined.clear();
        for body in l.description.iter().chain(&l.services) {
            self.text.analyse(body);
            join_analysed(&mut self.joined, self.text.joined());
            text::phrase_terms(false, &self.text, &mut self.phrases);
        }
        if !self.joined.is_empty() {
            doc.text(f.body, &self.joined);
        }
        self.joined.clear();
        for p in &self.phrases {
            push_value(&mut self.joined, p);
        }
        if !self.joined.is_empty() {
            doc.text(f.phrase, &self.joined);
        }
        self.joined.clear();
        for g in Group::ALL {
            match l.attr(g) {
                Some(attr) => {
                    for v in attr.values() {
                        push_attr_value(&mut self.joined, g, true, v);
                    }
                }
                None => {
                    for v in &l.schedule.facets {
                        push_attr_value(&mut self.joined, g, true, v);
                    }
                    for v in &l.schedule.facets_not_offered {
                        push_attr_value(&mut self.joined, g, false, v);
                    }
                }
            }
        }
        if !self.joined.is_empty() {
            doc.text(f.attr, &self.joined);
        }
        for (word, field) in self.layout.encode(l).into_iter().zip(f.bits) {
            doc.u64(field, word);
        }
        if let Some(st) = &l.address.state {
            doc.text(f.state, st);
        }
        if l.schedule.facet("virtual") == Tri::Yes {
            self.joined.clear();
            for st in &l.virtual_states {
                push_value(&mut self.joined, st);
            }
            if !self.joined.is_empty() {
                doc.text(f.vstate, &self.joined);
            }
        }
        doc.u64(f.geo_key, geo_key(l));
        if let Some(loc) = &l.location {
            doc.f64(f.lat, loc.lat);
            doc.f64(f.lon, loc.lon);
            for cell in crate::geo::cells_of(loc.lat, loc.lon) {
                doc.u64(f.cell, cell);
            }
        }
        // The stored form (`codec`), written from the borrowed listing.
        codec::encode(l, &mut self.stored);
        doc.text(f.listing, &self.stored);
        Ok(())
    }
}

/// Appends an analysed text to others (tokens joined by single spaces, as `text::Analysed`
/// joins them).
fn join_analysed(joined: &mut String, text: &str) {
    if !joined.is_empty() && !text.is_empty() {
        joined.push(' ');
    }
    joined.push_str(text);
}

/// The position of a listing on the Hilbert curve (`geo::hilbert_key`); listings without a
/// location last.
fn geo_key(l: &Listing) -> u64 {
    l.location.map_or(u64::MAX, |p| crate::geo::hilbert_key(p.lat, p.lon))
}

#[cfg(test)]
mod tests {
    use iop_core::Location;
    use tantivy::schema::Value;

    use super::*;

    /// Listings in scrambled order, many at the same point (equal keys), some without one; ids
    /// whose order is not the input order, and many listings with the same name.
    fn scrambled(n: u64) -> Vec<Listing> {
        (0..n)
            .map(|i| {
                let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
                let location = (i % 17 != 0).then(|| Location {
                    lat: 25.0 + (h % 23) as f64,
                    lon: -120.0 + (h % 51) as f64,
                    approximate: false,
                });
                Listing {
                    id: format!("l{:05}-{i}", (i * 7919) % 10007),
                    name: format!("Listing {}", (i * 31) % 101),
                    location,
                    ..Listing::default()
                }
            })
            .collect()
    }

    /// Every document's id and name ranks are those of its listing's id and folded name among
    /// all the listings (equal names, equal ranks), and the id dictionary holds the ids in order.
    fn check_ranks(dir: &Path, listings: &[Listing], what: &str) {
        let mut ids: Vec<&str> = listings.iter().map(|l| l.id.as_str()).collect();
        ids.sort_unstable();
        let folded = |name: &str| {
            let mut a = text::Analysed::new();
            a.analyse(name);
            text::sort_key(&a).to_owned()
        };
        let mut names: Vec<String> = listings.iter().map(|l| folded(&l.name)).collect();
        names.sort_unstable();
        names.dedup();
        let mut seen = 0;
        each_document(dir, |seg, doc, l| {
            let column = |name: &str| seg.fast_fields().u64(name).expect("rank column");
            let rank = ids.binary_search(&l.id.as_str()).expect("id") as u64;
            assert_eq!(column(schema::ID_RANK).first(doc), Some(rank), "{what}: id of {}", l.id);
            let rank = names.binary_search(&folded(&l.name)).expect("name") as u64;
            assert_eq!(column(schema::NAME_RANK).first(doc), Some(rank), "{what}: {}", l.id);
            seen += 1;
        });
        assert_eq!(seen, listings.len(), "{what}");
        let generation = dir.join(store::read_current(dir).expect("current"));
        let bytes = fs::read(generation.join(schema::IDS)).expect("ids");
        let dict =
            <tantivy::columnar::Dictionary>::from_bytes(tantivy::directory::OwnedBytes::new(bytes))
                .expect("dictionary");
        assert_eq!(dict.num_terms(), ids.len(), "{what}");
        let mut term = Vec::new();
        for (rank, id) in ids.iter().enumerate() {
            assert!(dict.ord_to_term(rank as u64, &mut term).expect("term"), "{what}");
            assert_eq!(term, str::as_bytes(id), "{what}: id of rank {rank}");
        }
    }

    /// Calls `f` with every document of the current generation in `dir` and its stored
    /// listing, in doc address order (segment by segment).
    fn each_document(
        dir: &Path,
        mut f: impl FnMut(&tantivy::SegmentReader, tantivy::DocId, Listing),
    ) {
        let generation = dir.join(store::read_current(dir).expect("current"));
        let index = tantivy::Index::open_in_dir(&generation).expect("open");
        let searcher = index.reader().expect("reader").searcher();
        let listing = index.schema().get_field(schema::LISTING).expect("listing");
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            for doc in 0..seg.max_doc() {
                let stored: tantivy::TantivyDocument =
                    searcher.doc(tantivy::DocAddress::new(ord as u32, doc)).expect("doc");
                let text = stored.get_first(listing).and_then(|v| v.as_str()).expect("stored");
                f(seg, doc, crate::codec::decode(text).expect("listing"));
            }
        }
    }

    /// (geo_key, id) of every document, in doc address order (segment by segment).
    fn doc_order(dir: &Path) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        each_document(dir, |seg, doc, l| {
            let keys = seg.fast_fields().u64(schema::GEO_KEY).expect("geo_key");
            out.push((keys.first(doc).expect("key"), l.id));
        });
        out
    }

    /// Doc ids follow the Hilbert curve across the whole index, segments included, and
    /// listings with equal keys keep their input order; spilling the sort to disk changes
    /// nothing.
    #[test]
    fn documents_are_in_key_order_across_segments() {
        let listings = scrambled(6000);
        let mut expected: Vec<(u64, String)> =
            listings.iter().map(|l| (geo_key(l), l.id.clone())).collect();
        expected.sort_by_key(|e| e.0);
        let small = Some(16 * 1024);
        for (commit_every, sort_memory, writer_memory, parallel_from, segment_count) in [
            (None, None, None, None, 1),
            (None, small, None, None, 1),
            (Some(1000), small, None, None, 6),
            // Several segments for want of memory, merged into one.
            (None, small, Some(1), None, 1),
            // The two halves written on two threads, then merged; from memory, or from the
            // spill file, and in several segments each.
            (None, None, None, Some(1), 1),
            (None, small, None, Some(1), 1),
            (None, small, Some(1), Some(1), 1),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let options = BuildOptions { commit_every, sort_memory, writer_memory, parallel_from };
            build(dir.path(), listings.iter().cloned().map(Ok), &mut |_| {}, options)
                .expect("build");
            let what = format!("{options:?}");
            assert_eq!(doc_order(dir.path()), expected, "{what}");
            check_ranks(dir.path(), &listings, &what);
            let generation = dir.path().join(store::read_current(dir.path()).expect("current"));
            let index = tantivy::Index::open_in_dir(&generation).expect("open");
            let segments = index.searchable_segment_ids().expect("segments");
            assert_eq!(segments.len(), segment_count, "{what}");
            assert!(!generation.join(SPILL).exists(), "the spill file is removed ({what})");
            // No files of merged-away segments are left behind.
            let files: std::collections::BTreeSet<String> = fs::read_dir(&generation)
                .expect("read dir")
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|name| Some(name.split_once(".store")?.0.to_owned()))
                .collect();
            assert_eq!(files.len(), segment_count, "{what}: {files:?}");
        }
    }
}
