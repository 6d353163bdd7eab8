//! Building a generation: listings in, a complete index directory out, swapped in atomically.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::time::Instant;

use iop_core::listing::{ListingWire, Tri};
use iop_core::{Group, Listing};
use tantivy::index::{IndexSortByField, Order};
use tantivy::indexer::NoMergePolicy;
use tantivy::store::Compressor;
use tantivy::{IndexSettings, IndexWriter, TantivyDocument};

use crate::layout::Layout;
use crate::schema::{self, Fields, SCHEMA_VERSION, TOKENIZER};
use crate::store::{self, GenerationMeta, io_err};
use crate::text::{self, attr_not_term, attr_term_into};
use crate::{Error, IndexStats, Result};

/// Memory for the indexing threads, shared between them. Large enough that a million listings
/// make few segments, small enough for a small server.
const WRITER_HEAP_BYTES: usize = 192 * 1024 * 1024;

/// At most this many indexing threads: the machines we target have two cores, and the
/// calling thread is busy too (turning listings into documents).
const MAX_THREADS: usize = 2;

/// Doc store block size: a page of results reads listings at random, and each read
/// decompresses a whole block, so blocks are small (tantivy's default is 16 KiB, which
/// compresses a little better but costs about four times as much per listing read).
const DOCSTORE_BLOCK: usize = 4 * 1024;

/// How often `progress` is called.
const PROGRESS_EVERY: u64 = 1000;

/// Segment layout of a build.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Segments {
    /// Commit every this many listings and never merge: several segments (tests of the
    /// multi-segment paths). `None`: one segment.
    pub commit_every: Option<u64>,
}

pub(crate) fn build(
    dir: &Path,
    listings: impl IntoIterator<Item = Listing>,
    progress: &mut dyn FnMut(u64),
    segments: Segments,
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
    let meta = match write_generation(&tmp, listings, progress, started, segments) {
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
    listings: impl IntoIterator<Item = Listing>,
    progress: &mut dyn FnMut(u64),
    started: Instant,
    segments: Segments,
) -> Result<GenerationMeta> {
    let settings = IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: DOCSTORE_BLOCK,
        // Listings near each other get neighbouring doc ids (see `geo::hilbert_key`).
        sort_by_field: Some(IndexSortByField { field: schema::GEO_KEY.into(), order: Order::Asc }),
        ..IndexSettings::default()
    };
    let index = tantivy::Index::builder()
        .schema(schema::schema())
        .settings(settings)
        .create_in_dir(tmp)
        .map_err(tantivy_err)?;
    index.tokenizers().register(TOKENIZER, text::analyzer());
    let fields = Fields::new(&index.schema())?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, WRITER_HEAP_BYTES).map_err(tantivy_err)?;
    // No merging while indexing; one merge at the end (below).
    writer.set_merge_policy(Box::new(NoMergePolicy));

    let layout = Layout::get();
    let mut seen: HashSet<String> = HashSet::new();
    let mut count: u64 = 0;
    let mut buf = String::new();
    for listing in listings {
        if seen.contains(&listing.id) {
            return Err(Error::Listing {
                number: count + 1,
                id: listing.id,
                reason: "the same id appears twice".into(),
            });
        }
        seen.insert(listing.id.clone());
        let doc = document(&fields, layout, listing, count, &mut buf)?;
        writer.add_document(doc).map_err(tantivy_err)?;
        count += 1;
        if count.is_multiple_of(PROGRESS_EVERY) {
            progress(count);
        }
        if segments.commit_every.is_some_and(|n| count.is_multiple_of(n.max(1))) {
            writer.commit().map_err(tantivy_err)?;
        }
    }
    progress(count);
    drop(seen);
    writer.commit().map_err(tantivy_err)?;
    // One segment: faster searches, one term dictionary in memory instead of several.
    let ids = index.searchable_segment_ids().map_err(tantivy_err)?;
    if ids.len() > 1 && segments.commit_every.is_none() && std::env::var_os("NOMERGE").is_none() {
        writer.merge(&ids).wait().map_err(tantivy_err)?;
    }
    writer.wait_merging_threads().map_err(tantivy_err)?;
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

/// The tantivy document of a listing (see `schema` for what each field is for).
/// `buf` is scratch space reused across listings. Consumes the listing: its JSON is written
/// from it without a copy.
fn document(
    f: &Fields,
    layout: &Layout,
    l: Listing,
    number: u64,
    buf: &mut String,
) -> Result<TantivyDocument> {
    validate(&l, number)?;
    let mut doc = TantivyDocument::new();
    doc.add_text(f.id, &l.id);
    doc.add_text(f.name, &l.name);
    if let Some(alt) = &l.alt_name {
        doc.add_text(f.name, alt);
    }
    if let Some(d) = &l.description {
        doc.add_text(f.body, d);
    }
    for s in &l.services {
        doc.add_text(f.body, s);
    }
    let mut phrases = std::collections::BTreeSet::new();
    for name in std::iter::once(&l.name).chain(&l.alt_name) {
        text::phrase_terms(true, name, &mut phrases);
    }
    for body in l.description.iter().chain(&l.services) {
        text::phrase_terms(false, body, &mut phrases);
    }
    for p in phrases {
        doc.add_text(f.phrase, p);
    }
    for g in Group::ALL {
        match l.attr(g) {
            Some(attr) => {
                for v in attr.values() {
                    attr_term_into(buf, g, v);
                    doc.add_text(f.attr, &*buf);
                }
            }
            None => {
                for v in &l.schedule.facets {
                    attr_term_into(buf, g, v);
                    doc.add_text(f.attr, &*buf);
                }
                for v in &l.schedule.facets_not_offered {
                    doc.add_text(f.attr, attr_not_term(g, v));
                }
            }
        }
    }
    for (word, field) in layout.encode(&l).into_iter().zip(f.bits) {
        doc.add_u64(field, word);
    }
    if let Some(st) = &l.address.state {
        doc.add_text(f.state, st);
    }
    if l.schedule.facet("virtual") == Tri::Yes {
        for st in &l.virtual_states {
            doc.add_text(f.vstate, st);
        }
    }
    let geo_key = l.location.map_or(u64::MAX, |p| crate::geo::hilbert_key(p.lat, p.lon));
    doc.add_u64(f.geo_key, geo_key);
    if let Some(loc) = &l.location {
        doc.add_f64(f.lat, loc.lat);
        doc.add_f64(f.lon, loc.lon);
        for cell in crate::geo::cells_of(loc.lat, loc.lon) {
            doc.add_u64(f.cell, cell);
        }
    }
    doc.add_text(f.name_sort, text::sort_key(&l.name));
    let id = l.id.clone();
    let json = serde_json::to_string(&ListingWire::from(l)).map_err(|e| Error::Listing {
        number: number + 1,
        id,
        reason: format!("cannot be written as JSON: {e}"),
    })?;
    doc.add_text(f.listing, json);
    Ok(doc)
}
