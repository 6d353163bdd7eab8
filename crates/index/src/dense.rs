//! Term-at-a-time evaluation of a text search that no area narrows.
//!
//! A common word matches a third of the corpus or more, and a search without an area must
//! visit every match anyway (the total and the facets are exact). tantivy evaluates a query a
//! document at a time: per word a union of a dozen posting lists (the word in two fields, its
//! typos, its prefix, labels, synonyms), and across words an intersection that seeks into
//! those unions. At a million listings that merging and seeking was most of the time of a
//! two-word search.
//!
//! Here the doc ids are cut into windows of [`WINDOW`] documents. Within a window each posting
//! list is read straight through, adding its scores into one small array of scores and its
//! documents into a bitset; the words of the text then intersect as bitsets, 64 documents per
//! operation, and a word that matches nothing in a window spares the others reading it. The
//! arrays stay in the CPU cache (a whole-segment array of a million scores did not, and
//! reading it once per posting list cost more than the merging it replaced). The scores are
//! the sums tantivy's `BooleanQuery` computes (`text::Node`), added in the same order for a text
//! of one or two units, so the same floats; with three or more units tantivy adds them cheapest
//! first, and the last bit may differ (the tests compare both ways). Each window's matches then
//! go to the collector in one call (`SegmentSearch::collect_window`).
//!
//! A large segment is cut into ranges of whole windows searched on several threads at once
//! when the caller allows (`search`, `search::Running`: the cores no other search is using).
//! Measured at a million listings on two cores (`bench_scale --serve DIR --threads 1` against
//! `--threads 2`, the same binary, four alternated runs): text-only p50 5.67 ms on one thread,
//! 3.33 ms on two; p99 of all classes 16.1 ms against 8.2 ms.

use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EnableScoring, Query, Scorer, TermQuery, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term,
};

use crate::collect::{Found, SearchCollector, SegmentFound};
use crate::text::Node;

/// Documents per window: 32 KB of scores, within a core's L1 data cache (measured at a
/// million listings against windows of 2,048 and 32,768: the fastest). Small under test, so
/// that small corpora cross many windows.
const WINDOW: usize = if cfg!(test) { 256 } else { 1 << 13 };
const WORDS: usize = WINDOW / 64;

/// [`Node`] with each leaf's weight (the corpus statistics BM25 needs), made once per search.
enum Weighted {
    /// A term and its BM25 weight, boost included (what tantivy's `TermWeight` holds).
    Term(Term, Bm25Weight),
    Leaf(Box<dyn Weight>, Score),
    Const(Box<dyn Weight>, Score),
    Any(Vec<Weighted>),
    All(Vec<Weighted>),
}

impl Weighted {
    fn new(node: &Node, scoring: EnableScoring<'_>) -> tantivy::Result<Weighted> {
        let each = |nodes: &[Node]| -> tantivy::Result<Vec<Weighted>> {
            nodes.iter().map(|n| Weighted::new(n, scoring)).collect()
        };
        Ok(match node {
            // As `TermQuery` weighs it (`Bm25Weight::for_terms`), and as its scorer applies a
            // boost (`boost_by`): the same floats.
            Node::Term(term, boost) => match scoring {
                EnableScoring::Enabled { statistics_provider, .. } => Weighted::Term(
                    term.clone(),
                    Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term))?
                        .boost_by(*boost),
                ),
                EnableScoring::Disabled { .. } => Weighted::Leaf(
                    TermQuery::new(term.clone(), IndexRecordOption::WithFreqs).weight(scoring)?,
                    *boost,
                ),
            },
            Node::Leaf(q, boost) => Weighted::Leaf(q.weight(scoring)?, *boost),
            Node::Const(q, score) => Weighted::Const(q.weight(scoring)?, *score),
            Node::Any(nodes) => Weighted::Any(each(nodes)?),
            Node::All(nodes) => Weighted::All(each(nodes)?),
        })
    }

    fn open(&self, seg: &SegmentReader) -> tantivy::Result<Open> {
        let each = |nodes: &[Weighted]| -> tantivy::Result<Vec<Open>> {
            nodes.iter().map(|n| n.open(seg)).collect()
        };
        Ok(match self {
            Weighted::Term(term, bm25) => {
                let index = seg.inverted_index(term.field())?;
                match index.get_term_info(term)? {
                    // Not in this segment: matches nothing.
                    None => Open::Any(Vec::new()),
                    Some(info) => Open::Term(Box::new(TermPostings {
                        postings: index
                            .read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?,
                        norms: match seg.fieldnorms_readers().get_field(term.field())? {
                            Some(norms) => norms,
                            None => FieldNormReader::constant(seg.max_doc(), 1),
                        },
                        bm25: bm25.clone(),
                    })),
                }
            }
            // The boost goes into the scorer, as `BoostQuery` does: the same scores.
            Weighted::Leaf(weight, boost) => Open::Leaf(weight.scorer(seg, *boost)?),
            Weighted::Const(weight, score) => Open::Const(Box::new(Buffered {
                docs: weight.scorer(seg, 1.0)?,
                score: *score,
                buf: [0; COLLECT_BLOCK_BUFFER_LEN],
                len: 0,
                pos: 0,
            })),
            Weighted::Any(nodes) => Open::Any(each(nodes)?),
            Weighted::All(nodes) => {
                Open::All(each(nodes)?, Box::new([Window::new(), Window::new()]))
            }
        })
    }
}

/// Scores and matches of one window. Arrays of the window's size, so that an offset taken
/// modulo [`WINDOW`] (a mask) needs no bounds check: these are the hottest stores of a search.
struct Window {
    scores: Box<[Score; WINDOW]>,
    matches: Box<[u64; WORDS]>,
}

impl Window {
    fn new() -> Window {
        Window { scores: Box::new([0.0; WINDOW]), matches: Box::new([0; WORDS]) }
    }

    fn clear(&mut self) {
        self.scores.fill(0.0);
        self.matches.fill(0);
    }

    /// Adds `score` to the document at offset `i` (below [`WINDOW`]) and marks it matched.
    #[inline(always)]
    fn add(&mut self, i: usize, score: Score) {
        debug_assert!(i < WINDOW, "offset {i} past the window");
        let i = i % WINDOW;
        self.scores[i] += score;
        self.matches[i / 64] |= 1 << (i % 64);
    }
}

/// A segment's scorers, positioned as far as the windows done so far.
enum Open {
    Term(Box<TermPostings>),
    Leaf(Box<dyn Scorer>),
    /// Scored by a constant alone: read in blocks, with no call per document.
    Const(Box<Buffered>),
    Any(Vec<Open>),
    /// With windows of its own: its children touch documents outside their intersection.
    All(Vec<Open>, Box<[Window; 2]>),
}

impl Open {
    /// Adds this node's score into `out.scores` for each document of `[lo, lo + WINDOW)` it
    /// matches and marks them in `out.matches`. Documents it does not match are left untouched,
    /// so siblings under `Any` share one window.
    fn add_window(&mut self, lo: DocId, out: &mut Window) {
        match self {
            Open::Term(term) => term.add_window(lo, out),
            Open::Leaf(scorer) => add_postings(scorer, lo, out),
            Open::Const(c) => c.add_window(lo, out),
            Open::Any(children) => children.iter_mut().for_each(|c| c.add_window(lo, out)),
            Open::All(children, windows) => {
                let [own, spare] = &mut **windows;
                own.clear();
                if all_window(children, lo, own, spare) {
                    for_each_doc(own.matches.as_slice(), |i| out.scores[i] += own.scores[i]);
                    for (m, o) in out.matches.iter_mut().zip(own.matches.as_slice()) {
                        *m |= o;
                    }
                }
            }
        }
    }

    /// Whether no document is left to match (the windows stop early).
    fn exhausted(&self) -> bool {
        match self {
            Open::Term(t) => t.postings.doc() == TERMINATED,
            Open::Leaf(s) => s.doc() == TERMINATED,
            Open::Const(c) => c.pos == c.len && c.docs.doc() == TERMINATED,
            Open::Any(c) => c.iter().all(Open::exhausted),
            Open::All(c, _) => c.iter().any(Open::exhausted),
        }
    }
}

/// A term's postings, scored here as tantivy's `TermScorer` scores them (its norm and frequency
/// through the same `Bm25Weight::score`), without a call through `dyn Scorer` per document:
/// most of a text search's postings are these, and the two calls per posting were a third
/// of its time.
struct TermPostings {
    postings: SegmentPostings,
    norms: FieldNormReader,
    bm25: Bm25Weight,
}

impl TermPostings {
    fn add_window(&mut self, lo: DocId, out: &mut Window) {
        let hi = lo.saturating_add(WINDOW as DocId);
        let mut doc = self.postings.doc();
        if doc < lo {
            // Skipped windows (an `All` sibling matched nothing there).
            doc = self.postings.seek(lo);
        }
        while doc < hi {
            let i = (doc - lo) as usize;
            out.add(i, self.bm25.score(self.norms.fieldnorm_id(doc), self.postings.term_freq()));
            doc = self.postings.advance();
        }
    }
}

/// One posting list's documents in the window, with their scores.
fn add_postings(scorer: &mut Box<dyn Scorer>, lo: DocId, out: &mut Window) {
    let hi = lo.saturating_add(WINDOW as DocId);
    let mut doc = scorer.doc();
    if doc < lo {
        // Skipped windows (an `All` sibling matched nothing there).
        doc = scorer.seek(lo);
    }
    while doc < hi {
        let i = (doc - lo) as usize;
        out.add(i, scorer.score());
        doc = scorer.advance();
    }
}

/// A constant-score posting list read 64 documents per call; the block may run past the
/// window, so what is left waits for the next one.
struct Buffered {
    docs: Box<dyn Scorer>,
    score: Score,
    buf: [DocId; COLLECT_BLOCK_BUFFER_LEN],
    len: usize,
    pos: usize,
}

impl Buffered {
    fn add_window(&mut self, lo: DocId, out: &mut Window) {
        let hi = lo.saturating_add(WINDOW as DocId);
        loop {
            while let Some(&doc) = self.buf[..self.len].get(self.pos) {
                if doc >= hi {
                    return;
                }
                // Below the window: left over from a skipped one.
                if doc >= lo {
                    let i = (doc - lo) as usize;
                    out.add(i, self.score);
                }
                self.pos += 1;
            }
            if self.docs.doc() < lo {
                self.docs.seek(lo);
            }
            if self.docs.doc() == TERMINATED {
                return;
            }
            self.len = self.docs.fill_buffer(&mut self.buf);
            self.pos = 0;
        }
    }
}

/// Intersects `children` over one window into `out` (cleared). False when nothing matches.
///
/// Each child scores into a window of its own and the sums are added child by child: for two
/// children, exactly what tantivy's intersection computes.
fn all_window(children: &mut [Open], lo: DocId, out: &mut Window, spare: &mut Window) -> bool {
    for (k, child) in children.iter_mut().enumerate() {
        if k == 0 {
            child.add_window(lo, out);
        } else {
            spare.clear();
            child.add_window(lo, spare);
            for (m, theirs) in out.matches.iter_mut().zip(spare.matches.as_slice()) {
                *m &= theirs;
            }
            for_each_doc(out.matches.as_slice(), |i| out.scores[i] += spare.scores[i]);
        }
        if out.matches.iter().all(|w| *w == 0) {
            // The other children cannot add a match here: they are not even read.
            return false;
        }
    }
    !children.is_empty()
}

fn for_each_doc(bits: &[u64], mut f: impl FnMut(usize)) {
    for (i, word) in bits.iter().enumerate() {
        let mut w = *word;
        while w != 0 {
            f(i * 64 + w.trailing_zeros() as usize);
            w &= w - 1;
        }
    }
}

/// Segments of at least this many documents are cut into doc ranges, one per thread, when a
/// search is given more than one (`search`). Below, a search is too short for a thread to pay.
const SPLIT_FROM: DocId = if cfg!(test) { 4 * WINDOW as DocId } else { 1 << 17 };

/// A doc range of one segment, searched on its own (its scorers opened and its matches
/// collected apart from the other ranges'), whole windows but for the segment's end.
struct Range<'a> {
    ord: u32,
    seg: &'a SegmentReader,
    lo: DocId,
    hi: DocId,
}

/// Cuts the segments into the ranges `threads` threads search: a large segment into one range
/// per thread, whole windows each, the others whole.
fn ranges(searcher: &Searcher, threads: usize) -> Vec<Range<'_>> {
    let mut out = Vec::new();
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let max_doc = seg.max_doc();
        let parts = if threads > 1 && max_doc >= SPLIT_FROM { threads as DocId } else { 1 };
        let windows = max_doc.div_ceil(WINDOW as DocId);
        let step = windows.div_ceil(parts).max(1) * WINDOW as DocId;
        let mut lo = 0;
        while lo < max_doc {
            let hi = lo.saturating_add(step).min(max_doc);
            out.push(Range { ord: ord as u32, seg, lo, hi });
            lo = hi;
        }
    }
    out
}

/// Runs `tree` over every segment term at a time, feeding each match with its score to
/// `collector` in doc order, as `Searcher::search` would.
///
/// With `threads` above one, a large segment is cut into that many doc ranges, searched at
/// once. A text alone matches a third of a large corpus or more, and every match is counted:
/// it is the longest kind of search, and it splits cleanly (each range its own scorers, top
/// matches, total and counts; the ranges' merge is that of segments, `merge_fruits`). The
/// answer is the same whatever the number of threads: scores are per document, and the order
/// of equal keys is decided by the ids.
pub(crate) fn search(
    searcher: &Searcher,
    tree: &Node,
    collector: &SearchCollector,
    threads: usize,
) -> tantivy::Result<Found> {
    let scoring = if collector.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weighted = Weighted::new(tree, scoring)?;
    let ranges = ranges(searcher, threads);
    let next = AtomicUsize::new(0);
    // Each thread takes the next range not yet taken until none is left.
    let work = || -> Vec<(usize, tantivy::Result<SegmentFound>)> {
        let (mut window, mut spare) = (Window::new(), Window::new());
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, AtomicOrdering::Relaxed);
            let Some(range) = ranges.get(i) else { return done };
            done.push((i, search_range(&weighted, collector, range, &mut window, &mut spare)));
        }
    };
    let helpers = threads.min(ranges.len()).saturating_sub(1);
    let mut done = if helpers == 0 {
        work()
    } else {
        std::thread::scope(|scope| {
            // A thread that cannot be started leaves its share to the others.
            let handles: Vec<_> = (0..helpers)
                .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
                .collect();
            let mut done = work();
            for handle in handles {
                match handle.join() {
                    Ok(theirs) => done.extend(theirs),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            done
        })
    };
    done.sort_by_key(|(i, _)| *i);
    let fruits = done.into_iter().map(|(_, fruit)| fruit).collect::<tantivy::Result<Vec<_>>>()?;
    collector.merge_fruits(fruits)
}

/// One range, window by window.
fn search_range(
    weighted: &Weighted,
    collector: &SearchCollector,
    range: &Range<'_>,
    window: &mut Window,
    spare: &mut Window,
) -> tantivy::Result<SegmentFound> {
    let seg = range.seg;
    let mut child = collector.for_segment(range.ord, seg)?;
    let mut open = weighted.open(seg)?;
    let alive = seg.alive_bitset();
    let mut lo = range.lo;
    while lo < range.hi && !open.exhausted() {
        window.clear();
        let any = match &mut open {
            Open::All(children, _) => all_window(children, lo, window, spare),
            other => {
                other.add_window(lo, window);
                true
            }
        };
        if any {
            if let Some(alive) = alive {
                let mut dead = vec![0u64; WORDS];
                for_each_doc(window.matches.as_slice(), |i| {
                    if !alive.is_alive(lo + i as DocId) {
                        dead[i / 64] |= 1 << (i % 64);
                    }
                });
                for (m, d) in window.matches.iter_mut().zip(dead) {
                    *m &= !d;
                }
            }
            child.collect_window(lo, window.matches.as_slice(), window.scores.as_slice());
        }
        lo = lo.saturating_add(WINDOW as DocId);
    }
    Ok(child.harvest())
}
