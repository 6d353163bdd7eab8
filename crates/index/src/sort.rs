//! Documents in Hilbert order: the sort a build does itself, in memory or, past a budget, on
//! disk.
//!
//! The index is in `geo_key` order (see `geo::hilbert_key`), which tantivy could do itself
//! (`IndexSettings::sort_by_field`) only by writing, reading back and rewriting the stored
//! listings of every segment and merging its segments with a sort (see `build` for the
//! figures). Here each document is written once, as a compact record (into a [`Batch`], on the
//! build's second thread, then copied into a run); a run is sorted (stable: listings with
//! equal keys keep their input order) and, when it passes [`MEMORY_BUDGET`], written to a
//! spill file. The documents are then read back in key order,
//! as a merge of the runs, and go to tantivy in that order.
//!
//! Records are private to a build (the spill file lives in the generation being built and is
//! removed before it is made current): `u32` length, the listing's input number (`u64`: what
//! the build looks up its ranks by, see `build::Ranks`), then for each value a `u16` field, a
//! one-byte type and the value (`u32` length and UTF-8 bytes for text, eight little-endian
//! bytes for numbers).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use tantivy::TantivyDocument;
use tantivy::schema::Field;

use crate::store::io_err;
use crate::{Error, Result};

/// Bytes of records kept in memory before a run is written to the spill file. A build of a few
/// tens of thousands of listings (the real data) never touches the disk.
pub(crate) const MEMORY_BUDGET: usize = 96 * 1024 * 1024;

const TEXT: u8 = 0;
const U64: u8 = 1;
const F64: u8 = 2;

/// What a document is made of: the values of its fields, in the order they are added (a
/// record being written; `build::DocBuilder` writes into it).
pub(crate) trait DocSink {
    fn text(&mut self, field: Field, value: &str);
    fn u64(&mut self, field: Field, value: u64);
    fn f64(&mut self, field: Field, value: f64);
}

/// A record being appended to a byte buffer.
pub(crate) struct Record<'a> {
    bytes: &'a mut Vec<u8>,
}

impl Record<'_> {
    fn head(&mut self, field: Field, tag: u8) {
        // Field ids fit in u16: tantivy's own documents store them so.
        self.bytes.extend_from_slice(&(field.field_id() as u16).to_le_bytes());
        self.bytes.push(tag);
    }
}

impl DocSink for Record<'_> {
    fn text(&mut self, field: Field, value: &str) {
        self.head(field, TEXT);
        self.bytes.extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(value.as_bytes());
    }
    fn u64(&mut self, field: Field, value: u64) {
        self.head(field, U64);
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }
    fn f64(&mut self, field: Field, value: f64) {
        self.head(field, F64);
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }
}

fn corrupt(what: &str) -> Error {
    Error::Storage(format!("a sorted document record is damaged ({what})"))
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
    if rest.len() < n {
        return Err(corrupt("truncated"));
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_u64(rest: &mut &[u8]) -> Result<u64> {
    let b = take(rest, 8)?;
    Ok(u64::from_le_bytes(b.try_into().map_err(|_| corrupt("number"))?))
}

/// One value of a record, and the rest of the record after it.
fn next_value<'a>(rest: &mut &'a [u8]) -> Result<(Field, SortedValue<'a>)> {
    let head = take(rest, 3)?;
    let field = Field::from_field_id(u32::from(u16::from_le_bytes([head[0], head[1]])));
    let value = match head[2] {
        TEXT => {
            let len = take(rest, 4)?;
            let len = u32::from_le_bytes(len.try_into().map_err(|_| corrupt("length"))?);
            let text = take(rest, len as usize)?;
            SortedValue::Text(std::str::from_utf8(text).map_err(|_| corrupt("text"))?)
        }
        U64 => SortedValue::U64(take_u64(rest)?),
        F64 => SortedValue::F64(f64::from_bits(take_u64(rest)?)),
        _ => return Err(corrupt("value type")),
    };
    Ok((field, value))
}

/// A value of a record.
#[derive(Clone, Copy, Debug)]
enum SortedValue<'a> {
    Text(&'a str),
    U64(u64),
    F64(f64),
}

/// The input number and tantivy document of a record body. (A document type of our own, read
/// by tantivy in place from the record, measured slower than this copy: tantivy walks a
/// document several times, and its own type is what it walks fastest.)
fn decode(mut rest: &[u8]) -> Result<(u64, TantivyDocument)> {
    let number = take_u64(&mut rest)?;
    let mut doc = TantivyDocument::with_capacity(rest.len());
    while !rest.is_empty() {
        match next_value(&mut rest)? {
            (field, SortedValue::Text(s)) => doc.add_text(field, s),
            (field, SortedValue::U64(v)) => doc.add_u64(field, v),
            (field, SortedValue::F64(v)) => doc.add_f64(field, v),
        }
    }
    Ok((number, doc))
}

/// Writes the values of a tantivy document into a record sink.
#[cfg(test)]
fn copy_into(doc: &TantivyDocument, sink: &mut dyn DocSink) {
    use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};

    for (field, value) in doc.field_values() {
        match value.as_value() {
            ReferenceValue::Leaf(ReferenceValueLeaf::Str(s)) => sink.text(field, s),
            ReferenceValue::Leaf(ReferenceValueLeaf::U64(v)) => sink.u64(field, v),
            ReferenceValue::Leaf(ReferenceValueLeaf::F64(v)) => sink.f64(field, v),
            other => panic!("no record type for {other:?}"),
        }
    }
}

/// A run written to the spill file: the key and file offset of each record, in key order, and
/// where the run ends.
struct SpilledRun {
    keys: Vec<u64>,
    offsets: Vec<u64>,
    end: u64,
}

/// Records made apart from the sorter (on the build's second thread), then added to it
/// whole with [`Sorter::append`]. Cleared and reused from one batch to the next.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    bytes: Vec<u8>,
    /// (key, start in `bytes`) of each record, in input order.
    records: Vec<(u64, u32)>,
}

impl Batch {
    /// Adds the document of the `number`-th listing: `write` puts its values into the record.
    pub(crate) fn push(
        &mut self,
        key: u64,
        number: u64,
        write: impl FnOnce(&mut Record<'_>) -> Result<()>,
    ) -> Result<()> {
        push_record(&mut self.bytes, &mut self.records, key, number, write)
    }

    /// Empties the batch, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.records.clear();
    }
}

/// Appends a record (a `u32` length, `number`, then what `write` puts) to `bytes`, and its key
/// and start to `records`.
fn push_record(
    bytes: &mut Vec<u8>,
    records: &mut Vec<(u64, u32)>,
    key: u64,
    number: u64,
    write: impl FnOnce(&mut Record<'_>) -> Result<()>,
) -> Result<()> {
    let start = bytes.len();
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&number.to_le_bytes());
    write(&mut Record { bytes: &mut *bytes })?;
    let len = u32::try_from(bytes.len() - start - 4)
        .map_err(|_| Error::Storage("a document of over 4 GB".into()))?;
    bytes[start..start + 4].copy_from_slice(&len.to_le_bytes());
    let start = u32::try_from(start).map_err(|_| Error::Storage("a run of over 4 GB".into()))?;
    records.push((key, start));
    Ok(())
}

/// Collects documents and hands them back sorted by key.
pub(crate) struct Sorter {
    path: PathBuf,
    budget: usize,
    /// The run in memory: record bytes, and (key, start) of each record in input order.
    bytes: Vec<u8>,
    records: Vec<(u64, u32)>,
    spill: Option<BufWriter<File>>,
    spilled_bytes: u64,
    runs: Vec<SpilledRun>,
}

impl Sorter {
    /// A sorter that spills to `path` (created only if needed) past `budget` bytes.
    pub(crate) fn new(path: PathBuf, budget: usize) -> Sorter {
        Sorter {
            path,
            budget: budget.max(1),
            bytes: Vec::new(),
            records: Vec::new(),
            spill: None,
            spilled_bytes: 0,
            runs: Vec::new(),
        }
    }

    /// Adds the document of the `number`-th listing: `write` puts its values into the record.
    #[cfg(test)]
    pub(crate) fn push(
        &mut self,
        key: u64,
        number: u64,
        write: impl FnOnce(&mut Record<'_>) -> Result<()>,
    ) -> Result<()> {
        if self.bytes.len() >= self.budget {
            self.spill_run()?;
        }
        push_record(&mut self.bytes, &mut self.records, key, number, write)
    }

    /// Adds the documents of a batch, after those added before (so in input order, for
    /// equal keys).
    pub(crate) fn append(&mut self, batch: &Batch) -> Result<()> {
        if self.bytes.len() >= self.budget {
            self.spill_run()?;
        }
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&batch.bytes);
        for &(key, start) in &batch.records {
            // The budget keeps a run far below 4 GB; a larger one is spilled first.
            let start = u32::try_from(base + start as usize)
                .map_err(|_| Error::Storage("a run of over 4 GB".into()))?;
            self.records.push((key, start));
        }
        Ok(())
    }

    /// Number of documents added.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.runs.iter().map(|r| r.keys.len()).sum::<usize>() + self.records.len()
    }

    /// Sorts the run in memory and appends it to the spill file.
    fn spill_run(&mut self) -> Result<()> {
        self.records.sort_by_key(|r| r.0);
        let path = self.path.clone();
        if self.spill.is_none() {
            let file = File::create(&path).map_err(io_err(&path))?;
            self.spill = Some(BufWriter::with_capacity(1 << 20, file));
        }
        let out = self.spill.as_mut().expect("just opened");
        let mut run = SpilledRun {
            keys: Vec::with_capacity(self.records.len()),
            offsets: Vec::with_capacity(self.records.len()),
            end: 0,
        };
        for &(key, start) in &self.records {
            let record = record_at(&self.bytes, start);
            out.write_all(record).map_err(io_err(&path))?;
            run.keys.push(key);
            run.offsets.push(self.spilled_bytes);
            self.spilled_bytes += record.len() as u64;
        }
        run.end = self.spilled_bytes;
        self.runs.push(run);
        self.records.clear();
        self.bytes.clear();
        Ok(())
    }

    /// Sorts what is in memory and closes the spill file: the documents can be read in order.
    pub(crate) fn finish(mut self) -> Result<Sorted> {
        self.records.sort_by_key(|r| r.0);
        if let Some(out) = self.spill.take() {
            out.into_inner().map_err(|e| io_err(&self.path)(e.into_error()))?;
        }
        // Which run each document comes from, in key order (ties: the earlier run, so input
        // order is kept). Runs are sorted, so this is a merge.
        let order = if self.runs.is_empty() {
            Vec::new()
        } else {
            let memory_keys: Vec<u64> = self.records.iter().map(|r| r.0).collect();
            let all: Vec<&[u64]> = self
                .runs
                .iter()
                .map(|r| r.keys.as_slice())
                .chain(std::iter::once(memory_keys.as_slice()))
                .collect();
            merge_order(&all)
        };
        Ok(Sorted {
            path: self.path,
            bytes: self.bytes,
            records: self.records,
            runs: self.runs,
            order,
        })
    }
}

/// The whole record (length included) that starts at `start`.
fn record_at(bytes: &[u8], start: u32) -> &[u8] {
    let start = start as usize;
    let len = u32::from_le_bytes(bytes[start..start + 4].try_into().expect("four bytes")) as usize;
    &bytes[start..start + 4 + len]
}

/// The run of each position of the merged order of sorted key lists.
fn merge_order(runs: &[&[u64]]) -> Vec<u32> {
    let total = runs.iter().map(|r| r.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut next = vec![0usize; runs.len()];
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.first().map(|k| Reverse((*k, i as u32))))
        .collect();
    while let Some(Reverse((_, run))) = heap.pop() {
        out.push(run);
        let i = run as usize;
        next[i] += 1;
        if let Some(k) = runs[i].get(next[i]) {
            heap.push(Reverse((*k, run)));
        }
    }
    out
}

/// Documents sorted by key.
pub(crate) struct Sorted {
    path: PathBuf,
    bytes: Vec<u8>,
    records: Vec<(u64, u32)>,
    runs: Vec<SpilledRun>,
    /// The run of each position (the memory run is the last); empty when nothing was spilled.
    order: Vec<u32>,
}

impl Sorted {
    /// Number of documents.
    pub(crate) fn len(&self) -> usize {
        self.runs.iter().map(|r| r.keys.len()).sum::<usize>() + self.records.len()
    }

    /// Reads the documents in order.
    #[cfg(test)]
    pub(crate) fn reader(&self) -> Result<Reader<'_>> {
        self.reader_of(0..self.len())
    }

    /// Reads the documents of a range of positions, in order. Several readers may read at
    /// once (each has its own handle on the spill file), which lets a build write two ranges
    /// on two threads.
    pub(crate) fn reader_of(&self, range: std::ops::Range<usize>) -> Result<Reader<'_>> {
        let file = match self.runs.is_empty() {
            true => None,
            false => Some(File::open(&self.path).map_err(io_err(&self.path))?),
        };
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        // How many documents of each run (the memory run last) come before `start`.
        let mut before = vec![0usize; self.runs.len() + 1];
        match self.runs.is_empty() {
            true => before[0] = start,
            false => {
                for &run in &self.order[..start] {
                    before[run as usize] += 1;
                }
            }
        }
        let cursors = self
            .runs
            .iter()
            .zip(&before)
            .map(|(run, &skip)| RunCursor {
                offset: run.offsets.get(skip).copied().unwrap_or(run.end),
                end: run.end,
                buf: Vec::new(),
                pos: 0,
            })
            .collect();
        let memory_next = before[self.runs.len()];
        Ok(Reader { sorted: self, position: start, end, memory_next, file, cursors })
    }

    /// Removes the spill file, if there is one.
    pub(crate) fn remove_spill(self) -> Result<()> {
        if !self.runs.is_empty() {
            std::fs::remove_file(&self.path).map_err(io_err(&self.path))?;
        }
        Ok(())
    }

    /// The spill file's path.
    #[cfg(test)]
    pub(crate) fn spill_path(&self) -> &std::path::Path {
        &self.path
    }
}

/// Sorted documents being read.
pub(crate) struct Reader<'a> {
    sorted: &'a Sorted,
    position: usize,
    /// Where this reader stops (a position).
    end: usize,
    memory_next: usize,
    file: Option<File>,
    cursors: Vec<RunCursor>,
}

impl Reader<'_> {
    /// The next document and its listing's input number, or `None` at the end.
    pub(crate) fn next_doc(&mut self) -> Result<Option<(u64, TantivyDocument)>> {
        if self.position >= self.end {
            return Ok(None);
        }
        let run = match self.sorted.order.get(self.position) {
            Some(run) => *run as usize,
            None => self.sorted.runs.len(),
        };
        self.position += 1;
        if run == self.sorted.runs.len() {
            let (_, start) = self.sorted.records[self.memory_next];
            self.memory_next += 1;
            let record = record_at(&self.sorted.bytes, start);
            return decode(&record[4..]).map(Some);
        }
        let file = self.file.as_mut().ok_or_else(|| corrupt("no spill file"))?;
        let record = self.cursors[run].next_record(file).map_err(|e| match e {
            CursorError::Io(e) => io_err(&self.sorted.path)(e),
            CursorError::Damaged(what) => corrupt(what),
        })?;
        decode(record).map(Some)
    }
}

/// Reads one spilled run sequentially, through its own buffer, from a file shared with the
/// other runs of a range.
struct RunCursor {
    /// File offset of `buf[0]`.
    offset: u64,
    end: u64,
    buf: Vec<u8>,
    pos: usize,
}

enum CursorError {
    Io(std::io::Error),
    Damaged(&'static str),
}

/// Bytes read from a run at a time.
const READ_CHUNK: usize = 64 * 1024;

impl RunCursor {
    /// Makes `n` bytes available at `pos`.
    fn fill(&mut self, file: &mut File, n: usize) -> std::result::Result<(), CursorError> {
        if self.buf.len() - self.pos >= n {
            return Ok(());
        }
        self.buf.drain(..self.pos);
        self.offset += self.pos as u64;
        self.pos = 0;
        let have = self.offset + self.buf.len() as u64;
        let left = self.end.saturating_sub(have);
        let want = (n - self.buf.len()).max(READ_CHUNK).min(left as usize);
        if self.buf.len() + want < n {
            return Err(CursorError::Damaged("run read past its end"));
        }
        let at = self.buf.len();
        self.buf.resize(at + want, 0);
        file.seek(SeekFrom::Start(have)).map_err(CursorError::Io)?;
        file.read_exact(&mut self.buf[at..]).map_err(CursorError::Io)
    }

    /// The body of the next record.
    fn next_record(&mut self, file: &mut File) -> std::result::Result<&[u8], CursorError> {
        self.fill(file, 4)?;
        let len = &self.buf[self.pos..self.pos + 4];
        let len = u32::from_le_bytes(len.try_into().expect("four bytes")) as usize;
        self.fill(file, 4 + len)?;
        let start = self.pos + 4;
        self.pos = start + len;
        Ok(&self.buf[start..start + len])
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{FAST, STORED, STRING, Schema, Value};

    use super::*;

    fn schema() -> (Schema, Field, Field, Field) {
        let mut b = Schema::builder();
        let t = b.add_text_field("t", STRING | STORED);
        let u = b.add_u64_field("u", FAST);
        let f = b.add_f64_field("f", FAST);
        (b.build(), t, u, f)
    }

    fn read_all(sorted: &Sorted, u: Field) -> Vec<u64> {
        let mut r = sorted.reader().expect("reader");
        let mut out = Vec::new();
        while let Some((number, doc)) = r.next_doc().expect("doc") {
            let i = doc.get_first(u).and_then(|v| v.as_u64()).expect("u");
            assert_eq!(number, number_of(i), "the number travels with its record");
            out.push(i);
        }
        out
    }

    /// The input number the tests give document `i` (not `i`, so that a mix-up shows).
    fn number_of(i: u64) -> u64 {
        i * 3 + 1
    }

    /// Keys with many ties, pushed one by one and by batches, sorted in memory and through the
    /// spill file: always the stable order, and every value read back as written.
    #[test]
    fn sorts_stably_in_memory_and_on_disk() {
        let (_, t, u, f) = schema();
        let dir = tempfile::tempdir().expect("tempdir");
        let n = 5000u64;
        let key = |i: u64| (i * 7919) % 97;
        let mut expected: Vec<(u64, u64)> = (0..n).map(|i| (key(i), i)).collect();
        expected.sort_by_key(|e| e.0);
        let expected: Vec<u64> = expected.into_iter().map(|e| e.1).collect();
        for budget in [usize::MAX, 10_000, 100] {
            let mut s = Sorter::new(dir.path().join("spill"), budget);
            let write = |i: u64, r: &mut Record<'_>| {
                r.text(t, &format!("text é {i}"));
                r.u64(u, i);
                r.f64(f, i as f64 / 3.0);
                Ok(())
            };
            // Runs of seven documents, pushed one by one or appended as a batch in turn.
            let mut batch = Batch::default();
            for i in 0..n {
                match (i / 7) % 2 {
                    0 => s.push(key(i), number_of(i), |r| write(i, r)).expect("push"),
                    _ => {
                        batch.push(key(i), number_of(i), |r| write(i, r)).expect("batch");
                        if i % 7 == 6 || i == n - 1 {
                            s.append(&batch).expect("append");
                            batch.clear();
                        }
                    }
                }
            }
            assert_eq!(s.len(), n as usize);
            let sorted = s.finish().expect("finish");
            assert_eq!(sorted.spill_path().exists(), budget != usize::MAX, "budget {budget}");
            assert_eq!(read_all(&sorted, u), expected, "budget {budget}");
            // Ranges read apart, as two threads of a build do, give the same documents.
            for cut in [0, 1, 2499, n as usize / 2, n as usize - 1, n as usize] {
                let mut both = Vec::new();
                for range in [0..cut, cut..n as usize] {
                    let mut r = sorted.reader_of(range).expect("reader");
                    while let Some((number, doc)) = r.next_doc().expect("doc") {
                        let i = doc.get_first(u).and_then(|v| v.as_u64()).expect("u");
                        assert_eq!(number, number_of(i));
                        both.push(i);
                    }
                }
                assert_eq!(both, expected, "budget {budget}, cut at {cut}");
            }
            let mut r = sorted.reader().expect("reader");
            while let Some((_, doc)) = r.next_doc().expect("doc") {
                let i = doc.get_first(u).and_then(|v| v.as_u64()).expect("u");
                let text = format!("text é {i}");
                assert_eq!(doc.get_first(t).and_then(|v| v.as_str()), Some(text.as_str()));
                assert_eq!(doc.get_first(f).and_then(|v| v.as_f64()), Some(i as f64 / 3.0));
            }
            sorted.remove_spill().expect("remove");
            assert!(!dir.path().join("spill").exists());
        }
    }

    #[test]
    fn a_record_is_the_document() {
        let (_, t, u, f) = schema();
        let mut doc = TantivyDocument::new();
        doc.add_text(t, "a");
        doc.add_u64(u, u64::MAX);
        doc.add_f64(f, -0.0);
        doc.add_text(t, "");
        let mut bytes = 42u64.to_le_bytes().to_vec();
        copy_into(&doc, &mut Record { bytes: &mut bytes });
        let (number, back) = decode(&bytes).expect("decode");
        assert_eq!(number, 42);
        let values = |d: &TantivyDocument| format!("{:?}", d.field_values().collect::<Vec<_>>());
        assert_eq!(values(&back), values(&doc));
        assert!(decode(&bytes[..7]).is_err());
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
