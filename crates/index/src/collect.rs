//! The one pass over the candidates of a search: filters, disjunctive facets, total and top-k.
//!
//! The tantivy query selects the *base set*: text AND area (with virtual programs serving the
//! searched state when the schedule filter asks for `virtual`). Attribute filters are not in
//! the query, because disjunctive facets need the listings that fail them too: a listing that
//! fails exactly one filtered group `g` still counts in `g`'s facets ("what would picking
//! another value of `g` give"). So for every base listing the collector evaluates each filtered
//! group from the packed bits (`layout`):
//! - fails none: a match; counted in `total`, in every group's facets, and offered to the top-k;
//! - fails exactly one group: counted in that group's facets only;
//! - fails more: ignored.
//!
//! Facet counts are per-bit counters kept in byte lanes (`Counters`): adding a listing's two
//! words costs sixteen shift-mask-adds, whatever the number of values that hold.
//!
//! Top-k keeps `page * per_page` candidates per segment ordered by (key, id ordinal); the
//! harvest turns ordinals into strings so segments merge on the real name and id.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use iop_core::distance::haversine_m;
use iop_core::listing::Tri;
use iop_core::{Group, Vocabulary};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, Term};

use crate::hot::{Hot, HotSet};
use crate::layout::{GroupBits, Layout, WORDS};
use crate::schema::{self, Fields};
use crate::text::{attr_not_term, attr_term};

/// Distance at which a relevance score is halved when blended with distance.
pub(crate) const BLEND_M: f64 = 10.0 * iop_core::distance::METRES_PER_MILE;

/// [`SegmentSearch::key`] when no point is searched from (`collect_window`'s plain loop): the
/// text score, the name's rank, or one key for every match.
#[derive(Clone, Copy)]
enum PlainKey {
    Score,
    Name,
    Same(f64),
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Nearest first; listings without a location last.
    Distance,
    /// Best score first (blended with distance when there is a point).
    Relevance,
    /// Folded name A to Z.
    Name,
}

/// One filtered group of a request.
#[derive(Debug)]
pub(crate) struct FilterPlan {
    pub group: Group,
    gb: &'static GroupBits,
    /// Requested vocabulary values, as the group's bits.
    requested: u64,
    /// Requested values outside the vocabulary: evaluated from `attr` terms.
    others: Vec<String>,
    /// This group's facet bits (yes + unknown flag).
    count_mask: [u64; WORDS],
}

impl FilterPlan {
    pub(crate) fn new(group: Group, values: &[String]) -> FilterPlan {
        let gb = Layout::get().group(group);
        let mut requested = 0u64;
        let mut others = Vec::new();
        for v in values {
            match gb.index_of(v) {
                Some(i) => requested |= 1 << i,
                None if !others.contains(v) => others.push(v.clone()),
                None => {}
            }
        }
        FilterPlan { group, gb, requested, others, count_mask: gb.count_mask() }
    }

    /// `Listing::filter_match`, from the bits (and `attr` postings for non-vocabulary values).
    #[inline]
    fn eval(&self, w: &[u64; WORDS], doc: DocId, others: &[(BitSet, Option<BitSet>)]) -> Tri {
        if self.gb.yes(w) & self.requested != 0 {
            return Tri::Yes;
        }
        if others.iter().any(|(yes, _)| yes.contains(doc)) {
            return Tri::Yes;
        }
        if self.requested & !self.gb.no(w) != 0 {
            return Tri::Unknown;
        }
        let known = self.gb.is_known(w);
        let any_unknown = others.iter().any(|(_, no)| match no {
            Some(no) => !no.contains(doc),
            None => !known,
        });
        if any_unknown { Tri::Unknown } else { Tri::No }
    }
}

/// Everything the collector needs to know about a request.
#[derive(Debug)]
pub(crate) struct Plan {
    pub fields: Fields,
    pub filters: Vec<FilterPlan>,
    pub include_unknown: bool,
    /// Search point (Radius areas).
    pub point: Option<(f64, f64)>,
    pub radius_m: Option<f64>,
    /// The state of a State area, to tell its own listings from virtual matches.
    pub area_state: Option<String>,
    /// Virtual programs serving the area's state are in the base set.
    pub virtual_ext: bool,
    pub order: Order,
    /// Scores come from text.
    pub text: bool,
    /// Results to skip and to return.
    pub offset: usize,
    pub per_page: usize,
}

impl Plan {
    fn k(&self) -> usize {
        self.offset.saturating_add(self.per_page)
    }
}

/// A result before its stored listing is read.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub segment: SegmentOrdinal,
    pub doc: DocId,
    pub score: Score,
    pub distance_m: Option<f64>,
    pub virtual_match: bool,
}

/// What one search found.
#[derive(Debug)]
pub(crate) struct Found {
    pub total: u64,
    /// Count per bit of the packed words.
    pub counts: [[u64; 64]; WORDS],
    /// The requested page, in order.
    pub page: Vec<Candidate>,
}

impl Found {
    /// The facet counts of every group.
    pub(crate) fn facets(
        &self,
    ) -> std::collections::BTreeMap<Group, iop_core::search::FacetCounts> {
        let layout = Layout::get();
        let vocab = Vocabulary::get();
        Group::ALL
            .into_iter()
            .map(|g| {
                let gb = layout.group(g);
                let values = vocab
                    .values(g)
                    .iter()
                    .map(|v| {
                        let n = gb
                            .index_of(&v.value)
                            .map_or(0, |i| self.counts[gb.word][(gb.shift + i) as usize]);
                        (v.value.clone(), n)
                    })
                    .collect();
                let unknown = self.counts[gb.flag_word][gb.unknown_bit as usize];
                (g, iop_core::search::FacetCounts { values, unknown })
            })
            .collect()
    }
}

/// The tantivy collector of a [`Plan`].
pub(crate) struct SearchCollector {
    pub plan: Arc<Plan>,
    pub hot: Arc<HotSet>,
}

/// Per-bit counters in byte lanes: lane `k` of a word holds, in byte `b`, the count of bit
/// `8b + k` since the last flush. Adding a listing is eight shift-mask-adds per word, with no
/// branch and no carry chain (a bit-sliced counter's carry loop mispredicts at every listing
/// and cost four times as much); bytes are flushed into the totals before they can overflow.
///
/// Many listings at once (`add16`, the loop over a dense text's matches) go through a
/// carry-save adder tree instead (Harley and Seal's, as in positional popcount): sixteen
/// listings' words become one word of "sixteens" in about five bit operations per word and
/// listing, and only that word reaches the byte lanes. The words of ones, twos, fours and
/// eights left over are added in at the end.
struct Counters {
    lanes: [[u64; 8]; WORDS],
    pending: u32,
    /// Per word: the ones, twos, fours and eights not yet carried.
    carry: [[u64; 4]; WORDS],
    /// Byte lanes of the sixteens, as `lanes`.
    lanes16: [[u64; 8]; WORDS],
    pending16: u32,
    totals: [[u64; 64]; WORDS],
}

/// A carry-save adder: the carries and the sums of three words, bit by bit.
#[inline(always)]
fn csa(a: u64, b: u64, c: u64) -> (u64, u64) {
    let u = a ^ b;
    ((a & b) | (u & c), u ^ c)
}

impl Counters {
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;

    fn new() -> Counters {
        Counters {
            lanes: [[0; 8]; WORDS],
            pending: 0,
            carry: [[0; 4]; WORDS],
            lanes16: [[0; 8]; WORDS],
            pending16: 0,
            totals: [[0; 64]; WORDS],
        }
    }

    #[inline]
    fn add(&mut self, w: [u64; WORDS]) {
        Self::add_to(&mut self.lanes, w);
        self.pending += 1;
        if self.pending == 255 {
            Self::flush_into(&mut self.lanes, &mut self.totals, 1);
            self.pending = 0;
        }
    }

    #[inline(always)]
    fn add_to(lanes: &mut [[u64; 8]; WORDS], w: [u64; WORDS]) {
        for (lanes, word) in lanes.iter_mut().zip(w) {
            for (k, lane) in lanes.iter_mut().enumerate() {
                *lane += (word >> k) & Self::LOW_BITS;
            }
        }
    }

    /// Sixteen listings.
    fn add16(&mut self, ws: &[[u64; WORDS]; 16]) {
        let mut sixteens = [0u64; WORDS];
        for (j, out) in sixteens.iter_mut().enumerate() {
            let [mut ones, mut twos, mut fours, mut eights] = self.carry[j];
            let mut eights_in = [0u64; 2];
            for (half, e) in eights_in.iter_mut().enumerate() {
                let d = |i: usize| ws[half * 8 + i][j];
                let mut fours_in = [0u64; 2];
                for (quarter, f) in fours_in.iter_mut().enumerate() {
                    let (twos_a, o) = csa(ones, d(quarter * 4), d(quarter * 4 + 1));
                    let (twos_b, o) = csa(o, d(quarter * 4 + 2), d(quarter * 4 + 3));
                    ones = o;
                    let (f_out, t) = csa(twos, twos_a, twos_b);
                    twos = t;
                    *f = f_out;
                }
                let (e_out, f) = csa(fours, fours_in[0], fours_in[1]);
                fours = f;
                *e = e_out;
            }
            let (s, e) = csa(eights, eights_in[0], eights_in[1]);
            eights = e;
            self.carry[j] = [ones, twos, fours, eights];
            *out = s;
        }
        Self::add_to(&mut self.lanes16, sixteens);
        self.pending16 += 1;
        if self.pending16 == 255 {
            Self::flush_into(&mut self.lanes16, &mut self.totals, 16);
            self.pending16 = 0;
        }
    }

    fn flush_into(lanes: &mut [[u64; 8]; WORDS], totals: &mut [[u64; 64]; WORDS], weight: u64) {
        for (lanes, totals) in lanes.iter_mut().zip(totals.iter_mut()) {
            for (k, lane) in lanes.iter_mut().enumerate() {
                for byte in 0..8 {
                    totals[byte * 8 + k] += weight * ((*lane >> (byte * 8)) & 0xff);
                }
                *lane = 0;
            }
        }
    }

    fn counts(mut self) -> [[u64; 64]; WORDS] {
        Self::flush_into(&mut self.lanes, &mut self.totals, 1);
        Self::flush_into(&mut self.lanes16, &mut self.totals, 16);
        for (carry, totals) in self.carry.iter().zip(self.totals.iter_mut()) {
            for (place, word) in carry.iter().enumerate() {
                for (bit, t) in totals.iter_mut().enumerate() {
                    *t += (word >> bit & 1) << place;
                }
            }
        }
        self.totals
    }
}

/// A heap entry: (key, id ordinal) with the worst on top.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: f64,
    tie: u64,
    doc: DocId,
    score: Score,
    distance: f64,
    virtual_match: bool,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.total_cmp(&other.key).then(self.tie.cmp(&other.tie))
    }
}

pub(crate) struct SegmentSearch {
    plan: Arc<Plan>,
    segment: SegmentOrdinal,
    hot: Arc<Hot>,
    /// State ordinals and the ordinal of the area's state (State areas with virtual matches).
    state: Option<(Arc<dyn ColumnValues<u64>>, Option<u64>)>,
    /// Per filter, per non-vocabulary value: docs where it holds, docs where it is known not to.
    others: Vec<Vec<(BitSet, Option<BitSet>)>>,
    counters: Counters,
    total: u64,
    heap: BinaryHeap<Entry>,
}

fn postings_bitset(seg: &SegmentReader, term: &Term) -> tantivy::Result<BitSet> {
    let mut set = BitSet::with_max_value(seg.max_doc().max(1));
    let inverted = seg.inverted_index(term.field())?;
    if let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? {
        let mut doc = postings.doc();
        while doc != TERMINATED {
            set.insert(doc);
            doc = postings.advance();
        }
    }
    Ok(set)
}

/// What one segment found: counts, and its best entries in order (their keys and ties compare
/// with other segments').
pub(crate) struct SegmentFound {
    total: u64,
    counts: [[u64; 64]; WORDS],
    segment: SegmentOrdinal,
    entries: Vec<Entry>,
}

impl Entry {
    fn candidate(&self, segment: SegmentOrdinal) -> Candidate {
        Candidate {
            segment,
            doc: self.doc,
            score: self.score,
            distance_m: (!self.distance.is_nan()).then_some(self.distance),
            virtual_match: self.virtual_match,
        }
    }
}

impl Collector for SearchCollector {
    type Fruit = Found;
    type Child = SegmentSearch;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        seg: &SegmentReader,
    ) -> tantivy::Result<SegmentSearch> {
        let plan = Arc::clone(&self.plan);
        let hot = self.hot.get(seg)?;
        let state = match (&plan.area_state, plan.virtual_ext) {
            (Some(st), true) => match seg.fast_fields().str(schema::STATE)? {
                Some(col) => {
                    let target = col.dictionary().term_ord(st.as_bytes())?;
                    Some((col.ords().clone().first_or_default_col(u64::MAX), target))
                }
                None => None,
            },
            _ => None,
        };
        let mut others = Vec::with_capacity(plan.filters.len());
        for f in &plan.filters {
            let mut sets = Vec::new();
            for v in &f.others {
                let yes = Term::from_field_text(plan.fields.attr, &attr_term(f.group, v));
                let no = (f.group == Group::Schedule)
                    .then(|| Term::from_field_text(plan.fields.attr, &attr_not_term(f.group, v)));
                let no = match no {
                    Some(t) => Some(postings_bitset(seg, &t)?),
                    None => None,
                };
                sets.push((postings_bitset(seg, &yes)?, no));
            }
            others.push(sets);
        }
        Ok(SegmentSearch {
            plan,
            segment,
            hot,
            state,
            others,
            counters: Counters::new(),
            total: 0,
            heap: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.plan.text
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFound>) -> tantivy::Result<Found> {
        let mut total = 0;
        let mut counts = [[0u64; 64]; WORDS];
        for f in &fruits {
            total += f.total;
            for (acc, c) in counts.iter_mut().zip(f.counts) {
                for (a, b) in acc.iter_mut().zip(c) {
                    *a += b;
                }
            }
        }
        let with_hits = fruits.iter().filter(|f| !f.entries.is_empty()).count();
        let (offset, per_page) = (self.plan.offset, self.plan.per_page);
        let page = if with_hits <= 1 {
            // One segment (the usual case: builds merge to one): its entries are in order.
            fruits
                .into_iter()
                .flat_map(|f| {
                    let segment = f.segment;
                    f.entries.into_iter().map(move |e| e.candidate(segment))
                })
                .skip(offset)
                .take(per_page)
                .collect()
        } else {
            // Keys and ties compare across segments: name and id ranks are the generation's.
            let mut all: Vec<(Entry, SegmentOrdinal)> = fruits
                .into_iter()
                .flat_map(|f| {
                    let segment = f.segment;
                    f.entries.into_iter().map(move |e| (e, segment))
                })
                .collect();
            // (Ties are ranks of distinct ids: no two entries are equal.)
            all.sort();
            all.into_iter().skip(offset).take(per_page).map(|(e, s)| e.candidate(s)).collect()
        };
        Ok(Found { total, counts, page })
    }
}

impl SegmentSearch {
    #[inline]
    fn process(&mut self, doc: DocId, score: Score, w: [u64; WORDS]) {
        let plan = &*self.plan;
        // Filters first: most base listings of a filtered search stop here.
        let mut failed: Option<usize> = None;
        for (i, f) in plan.filters.iter().enumerate() {
            let ok = match f.eval(&w, doc, &self.others[i]) {
                Tri::Yes => true,
                Tri::Unknown => plan.include_unknown,
                Tri::No => false,
            };
            if !ok {
                if failed.is_some() {
                    return;
                }
                failed = Some(i);
            }
        }
        if let Some(i) = failed {
            let m = plan.filters[i].count_mask;
            let mut masked = w;
            for (x, m) in masked.iter_mut().zip(m) {
                *x &= m;
            }
            self.counters.add(masked);
            return;
        }
        self.counters.add(w);
        self.total += 1;
        self.place_and_offer(doc, score);
    }

    /// Every document set in `matches` (doc ids from `lo`), scored by `scores` at the same
    /// offsets: the same as calling `collect` for each in order. When every one of them is a
    /// match (no filter) with no distance or state to look up, it is one tight loop: the
    /// listing's words into the counters, and its key against the worst of the top-k, the
    /// state of both in registers.
    pub(crate) fn collect_window(&mut self, lo: DocId, matches: &[u64], scores: &[Score]) {
        let plain =
            self.plan.filters.is_empty() && self.plan.point.is_none() && self.state.is_none();
        let hot = Arc::clone(&self.hot);
        let mut group = [[0u64; WORDS]; 16];
        let mut grouped = 0;
        let mut worst = self.worst();
        // `key` with no point: decided once for the window, not per match.
        let plain_key = match self.plan.order {
            Order::Relevance if self.plan.text => PlainKey::Score,
            Order::Name => PlainKey::Name,
            _ => PlainKey::Same(self.key(lo, 0.0, f64::NAN, false)),
        };
        for (i, word) in matches.iter().enumerate() {
            let mut w = *word;
            while w != 0 {
                let at = i * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                let doc = lo + at as DocId;
                let bits = hot.bits[doc as usize];
                if !plain {
                    self.process(doc, scores[at], bits);
                    continue;
                }
                group[grouped] = bits;
                grouped += 1;
                if grouped == 16 {
                    self.counters.add16(&group);
                    grouped = 0;
                }
                self.total += 1;
                let key = match plain_key {
                    PlainKey::Score => -f64::from(scores[at]),
                    PlainKey::Name => f64::from(hot.name_rank[doc as usize]),
                    PlainKey::Same(key) => key,
                };
                debug_assert_eq!(
                    key.to_bits(),
                    self.key(doc, scores[at], f64::NAN, false).to_bits()
                );
                if key.total_cmp(&worst) != Ordering::Greater {
                    let entry = Entry {
                        key,
                        tie: u64::from(hot.id_rank[doc as usize]),
                        doc,
                        score: scores[at],
                        distance: f64::NAN,
                        virtual_match: false,
                    };
                    self.offer(entry);
                    worst = self.worst();
                }
            }
        }
        for bits in &group[..grouped] {
            self.counters.add(*bits);
        }
    }

    /// The key a match must not exceed to enter the top-k (infinite until it is full; equal
    /// keys are decided by `offer`, on the id).
    fn worst(&self) -> f64 {
        if self.heap.len() < self.plan.k() {
            f64::INFINITY
        } else {
            self.heap.peek().map_or(f64::INFINITY, |e| e.key)
        }
    }

    /// A match: its area membership and distance, then its place in the top-k.
    #[inline]
    fn place_and_offer(&mut self, doc: DocId, score: Score) {
        let plan = &*self.plan;
        // Area membership and distance.
        let mut distance = f64::NAN;
        let mut in_area = true;
        if let Some((clat, clon)) = plan.point {
            let (la, lo) = (self.hot.lat[doc as usize], self.hot.lon[doc as usize]);
            if la.is_nan() || lo.is_nan() {
                in_area = false;
            } else {
                distance = haversine_m(clat, clon, la, lo);
                in_area = plan.radius_m.is_none_or(|r| distance <= r);
            }
        }
        if let Some((ords, target)) = &self.state {
            in_area = target.is_some_and(|t| ords.get_val(doc) == t);
        }
        let virtual_match = plan.virtual_ext && !in_area;
        let key = self.key(doc, score, distance, virtual_match);
        if key.total_cmp(&self.worst()) != Ordering::Greater {
            self.offer(Entry {
                key,
                tie: u64::from(self.hot.id_rank[doc as usize]),
                doc,
                score,
                distance,
                virtual_match,
            });
        }
    }

    /// The sort key of a match (smaller first).
    #[inline]
    fn key(&self, doc: DocId, score: Score, distance: f64, virtual_match: bool) -> f64 {
        let plan = &*self.plan;
        match plan.order {
            Order::Distance => {
                if distance.is_nan() {
                    f64::INFINITY
                } else {
                    distance
                }
            }
            Order::Relevance => {
                let s = if plan.text { f64::from(score) } else { 1.0 };
                let blend = match (plan.point, plan.radius_m) {
                    (Some(_), Some(r)) => {
                        // A virtual match serves the whole state: no worse than the radius edge.
                        let d = if distance.is_nan() {
                            r
                        } else if virtual_match {
                            distance.min(r)
                        } else {
                            distance
                        };
                        1.0 / (1.0 + d / BLEND_M)
                    }
                    _ => 1.0,
                };
                -(s * blend)
            }
            Order::Name => f64::from(self.hot.name_rank[doc as usize]),
        }
    }

    /// A candidate for the top-k (nothing when it keeps no results).
    fn offer(&mut self, entry: Entry) {
        if self.heap.len() < self.plan.k() {
            self.heap.push(entry);
        } else if let Some(mut top) = self.heap.peek_mut()
            && entry < *top
        {
            *top = entry;
        }
    }
}

impl SegmentCollector for SegmentSearch {
    type Fruit = SegmentFound;

    fn collect(&mut self, doc: DocId, score: Score) {
        let w = self.hot.bits[doc as usize];
        self.process(doc, score, w);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for doc in docs {
            let w = self.hot.bits[*doc as usize];
            self.process(*doc, 0.0, w);
        }
    }

    fn harvest(self) -> SegmentFound {
        SegmentFound {
            total: self.total,
            counts: self.counters.counts(),
            segment: self.segment,
            entries: self.heap.into_sorted_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_every_bit() {
        let mut v = Counters::new();
        let mut expected = [[0u64; 64]; WORDS];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut group = [[0u64; WORDS]; 16];
        // More than 255 listings one by one and 255 groups of sixteen, and all-ones words, so
        // that both kinds of byte lanes must flush in time.
        for i in 0..12_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let w = if i % 7 == 0 { [u64::MAX, u64::MAX] } else { [x, x.rotate_left(17) & 0xffff] };
            // Runs of sixteen through the adder tree, the others one by one.
            group[i % 16] = w;
            if (i / 16) % 3 == 0 {
                v.add(w);
            } else if i % 16 == 15 {
                v.add16(&group);
            }
            for (word, e) in w.iter().zip(expected.iter_mut()) {
                for (bit, c) in e.iter_mut().enumerate() {
                    *c += word >> bit & 1;
                }
            }
        }
        assert_eq!(v.counts(), expected);
    }
}
