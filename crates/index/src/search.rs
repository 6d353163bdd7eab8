//! An open generation and the search itself.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock};

use iop_core::Group;
use iop_core::Listing;
use iop_core::distance::haversine_m;
use iop_core::listing::FilterMatch;
use iop_core::search::{Area, Hit, Matched, SearchRequest, SearchResults, Sort};
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    Directory, DocAddress, DocId, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::collect::{FilterPlan, Order, Plan, SearchCollector};
use crate::hot::HotSet;
use crate::schema::{self, Fields};
use crate::store::{self, GenerationMeta};
use crate::text::{Node, TextPlan};
use crate::{Error, IndexStats, Result};

/// Largest page size served (API.md: `per_page` 1 to 100).
const MAX_PER_PAGE: usize = 100;

/// An open, searchable index generation.
pub struct Index {
    generation: String,
    path: PathBuf,
    stats: IndexStats,
    fields: Fields,
    // Kept so the searcher's segments stay registered with their reader.
    _reader: IndexReader,
    searcher: Searcher,
    hot: Arc<HotSet>,
    /// The generation's ids, sorted (`schema::IDS`): an id's ordinal is its rank.
    ids: tantivy::columnar::Dictionary,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("generation", &self.generation)
            .field("path", &self.path)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Index {
    /// Opens the current generation in `dir`.
    pub fn open(dir: &Path) -> Result<Index> {
        let generation = store::read_current(dir)?;
        let path = dir.join(&generation);
        let meta: GenerationMeta = store::read_meta(&path)?;
        meta.check(dir)?;
        let directory = crate::files::ServedDirectory::open(&path)
            .map_err(|e| Error::Storage(format!("{}: {e}", path.display())))?;
        // The id dictionary is not tantivy's own file: read through this directory, not the
        // index's (which expects tantivy's footer on every file).
        let ids_file = directory.open_read(Path::new(schema::IDS));
        let index = tantivy::Index::open(directory)?;
        schema::register_tokenizers(&index);
        let fields = Fields::new(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        if searcher.num_docs() != meta.listings {
            return Err(Error::Storage(format!(
                "{} holds {} listings but its generation.json says {}",
                path.display(),
                searcher.num_docs(),
                meta.listings
            )));
        }
        let hot = Arc::new(HotSet::load(&searcher)?);
        let ids_path = path.join(schema::IDS);
        let ids = ids_file
            .map_err(|e| Error::Storage(format!("{}: {e}", ids_path.display())))
            .and_then(|file| {
                tantivy::columnar::Dictionary::open(file)
                    .map_err(|e| Error::Storage(format!("{}: {e}", ids_path.display())))
            })?;
        if ids.num_terms() as u64 != meta.listings {
            return Err(Error::Storage(format!(
                "{} holds {} ids but its generation.json says {} listings",
                ids_path.display(),
                ids.num_terms(),
                meta.listings
            )));
        }
        Ok(Index {
            generation,
            path,
            stats: meta.stats(),
            fields,
            _reader: reader,
            searcher,
            hot,
            ids,
        })
    }

    /// The generation's directory name (`gen-000007`).
    pub fn generation(&self) -> &str {
        &self.generation
    }

    /// Facts about this generation.
    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }

    /// One listing by id.
    pub fn get(&self, id: &str) -> Result<Option<Listing>> {
        match self.address_of(id)? {
            Some(addr) => self.listing_at(addr).map(Some),
            None => Ok(None),
        }
    }

    /// Several listings by id, in the order asked (unknown ids skipped).
    pub fn get_many(&self, ids: &[&str]) -> Result<Vec<Listing>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(l) = self.get(id)? {
                out.push(l);
            }
        }
        Ok(out)
    }

    fn address_of(&self, id: &str) -> Result<Option<DocAddress>> {
        // The id dictionary gives the id's rank, `hot` the doc of the rank.
        let Some(rank) = self
            .ids
            .term_ord(id.as_bytes())
            .map_err(|e| Error::Storage(format!("reading the id dictionary: {e}")))?
        else {
            return Ok(None);
        };
        let rank = u32::try_from(rank).map_err(|_| Error::Storage(format!("id rank {rank}")))?;
        for (ord, seg) in self.searcher.segment_readers().iter().enumerate() {
            if let Some(doc) = self.hot.get(seg)?.doc_of_rank(rank) {
                return Ok(Some(DocAddress::new(ord as u32, doc)));
            }
        }
        Ok(None)
    }

    fn listing_at(&self, addr: DocAddress) -> Result<Listing> {
        let doc: TantivyDocument = self.searcher.doc(addr)?;
        let stored = doc
            .get_first(self.fields.listing)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Storage(format!("document {addr:?} has no stored listing")))?;
        crate::codec::decode(stored)
            .map_err(|e| Error::Storage(format!("stored listing {addr:?} is unreadable: {e}")))
    }

    /// Answers a search (semantics: API.md, and `collect` for how).
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let running = Running::start();
        self.search_by(req, Evaluation::Fastest { threads: running.idle_cores() })
    }

    fn search_by(&self, req: &SearchRequest, how: Evaluation) -> Result<SearchResults> {
        let f = &self.fields;
        let text_plan = req.text.as_deref().and_then(TextPlan::parse);
        let (area_query, point, radius_m, area_state) = match &req.area {
            None => (None, None, None, None),
            Some(Area::Radius { lat, lon, radius_m, state }) => {
                check_point(*lat, *lon, *radius_m)?;
                let q = radius_query(f, &self.hot, *lat, *lon, *radius_m);
                (Some(q), Some((*lat, *lon)), Some(*radius_m), state.clone())
            }
            Some(Area::State(st)) => {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.state, st),
                    IndexRecordOption::Basic,
                ));
                (Some(q), None, None, Some(st.clone()))
            }
        };
        let wants_virtual =
            req.filters.get(&Group::Schedule).is_some_and(|v| v.iter().any(|x| x == "virtual"));
        let virtual_ext = wants_virtual && area_state.is_some();
        let area_query = match (area_query, &area_state) {
            (Some(q), Some(st)) if virtual_ext => {
                let virt: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.vstate, st),
                    IndexRecordOption::Basic,
                ));
                Some(Box::new(BooleanQuery::union(vec![q, virt])) as Box<dyn Query>)
            }
            (q, _) => q,
        };

        let order = match req.effective_sort() {
            Sort::Distance => Order::Distance,
            Sort::Name | Sort::Auto => Order::Name,
            Sort::Relevance if text_plan.is_some() || point.is_some() => Order::Relevance,
            Sort::Relevance => Order::Name,
        };
        let per_page = req.per_page.clamp(1, MAX_PER_PAGE);
        let offset = req.page.max(1).saturating_sub(1).saturating_mul(per_page);
        let filters = req
            .filters
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(g, values)| FilterPlan::new(*g, values))
            .collect();
        let plan = Arc::new(Plan {
            fields: *f,
            filters,
            include_unknown: req.include_unknown,
            point,
            radius_m,
            area_state: if matches!(req.area, Some(Area::State(_))) { area_state } else { None },
            virtual_ext,
            order,
            text: text_plan.is_some(),
            offset,
            per_page,
        });

        let collector = SearchCollector { plan: Arc::clone(&plan), hot: Arc::clone(&self.hot) };
        let text_tree = match &text_plan {
            Some(t) => Some(t.tree(f, &self.searcher)?),
            None => None,
        };
        let found = match (text_tree, area_query, how) {
            // Nothing narrows the text: every posting is read anyway, fastest term at a time.
            (Some(tree), None, Evaluation::Fastest { threads }) => {
                crate::dense::search(&self.searcher, &tree, &collector, threads)?
            }
            (tree, area, _) => self.searcher.search(&*base_query(tree, area), &collector)?,
        };

        let mut hits = Vec::with_capacity(found.page.len());
        for c in &found.page {
            let listing = self.listing_at(DocAddress::new(c.segment, c.doc))?;
            let mut matched = Matched { virtual_match: c.virtual_match, ..Matched::default() };
            for (g, values) in &req.filters {
                if values.is_empty() {
                    continue;
                }
                match listing.filter_match(*g, values) {
                    FilterMatch::Yes(v) => {
                        matched.filters.insert(*g, v);
                    }
                    FilterMatch::Unknown => matched.unknown.push(*g),
                    FilterMatch::No => {}
                }
            }
            if let Some(t) = &text_plan {
                matched.text = t.explain(&listing);
            }
            let distance_m = match (point, &listing.location) {
                (Some((lat, lon)), Some(loc)) => {
                    Some(c.distance_m.unwrap_or_else(|| haversine_m(lat, lon, loc.lat, loc.lon)))
                }
                _ => None,
            };
            hits.push(Hit {
                listing,
                distance_m,
                score: text_plan.is_some().then_some(c.score),
                matched,
            });
        }
        Ok(SearchResults { total: found.total, hits, facets: found.facets() })
    }
}

/// How the base set is evaluated (the tests compare the two ways).
#[derive(Clone, Copy, Debug)]
enum Evaluation {
    /// Term at a time for a text alone (`dense`, a large segment cut into ranges for up to
    /// `threads` threads), else tantivy's document-at-a-time query.
    Fastest { threads: usize },
    /// Always tantivy's query.
    #[cfg_attr(not(test), allow(dead_code))]
    DocAtATime,
}

/// Searches running in this process now, in every generation.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// [`set_search_threads`]; 0: the cores.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The threads one search may use at most, in this process; 0 (the default): as many as the
/// machine has cores. Only a search that reads a large share of a large index (a text with no
/// area, over segments of 131,072 listings or more) uses more than one, and only the cores no
/// other search is running on.
pub fn set_search_threads(threads: usize) {
    MAX_THREADS.store(threads, AtomicOrdering::Relaxed);
}

/// A search counted in [`RUNNING`] while it runs.
///
/// Why: a long search (a text alone over a large index, `dense`) is cut into ranges searched
/// on several threads when cores are idle, which is when it pays: alone on two cores, a
/// text-only search of a million listings takes about half the time. When other searches keep
/// the cores busy, a second thread would only take a core from them, so a search takes the
/// cores no other search is running on, and at least its own.
struct Running;

impl Running {
    fn start() -> Running {
        RUNNING.fetch_add(1, AtomicOrdering::Relaxed);
        Running
    }

    /// The threads this search may use ([`threads_for`] of this machine's cores, the other
    /// searches running and [`set_search_threads`]).
    fn idle_cores(&self) -> usize {
        static CORES: OnceLock<usize> = OnceLock::new();
        let cores =
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let others = RUNNING.load(AtomicOrdering::Relaxed).saturating_sub(1);
        threads_for(cores, others, MAX_THREADS.load(AtomicOrdering::Relaxed))
    }
}

/// The threads of a search: the cores less the `others` searches running, at most `most` (0:
/// no limit), at least one.
fn threads_for(cores: usize, others: usize, most: usize) -> usize {
    let idle = cores.saturating_sub(others);
    match most {
        0 => idle,
        most => idle.min(most),
    }
    .max(1)
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, AtomicOrdering::Relaxed);
    }
}

/// Text AND area, as one tantivy query (everything when neither is given).
fn base_query(text: Option<Node>, area: Option<Box<dyn Query>>) -> Box<dyn Query> {
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(t) = text {
        musts.push((Occur::Must, t.into_query()));
    }
    if let Some(q) = area {
        // The area selects; it must not add to text scores.
        musts.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
    }
    match musts.len() {
        0 => Box::new(AllQuery),
        1 => musts.pop().map(|(_, q)| q).expect("one clause"),
        _ => Box::new(BooleanQuery::new(musts)),
    }
}

fn check_point(lat: f64, lon: f64, radius_m: f64) -> Result<()> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(Error::Request(format!("latitude {lat} is not between -90 and 90")));
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(Error::Request(format!("longitude {lon} is not between -180 and 180")));
    }
    if !(radius_m.is_finite() && radius_m >= 0.0) {
        return Err(Error::Request(format!("radius {radius_m} m is not a distance")));
    }
    Ok(())
}

fn f64_range(field: tantivy::schema::Field, lo: f64, hi: f64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_f64(field, lo)),
        Bound::Included(Term::from_field_f64(field, hi)),
    ))
}

/// Cells, bounding box and exact distance, all inside the query (never a post-filter).
///
/// The grid cells lead (a union of a few dozen posting lists). The bounding box and the
/// great-circle distance are then checked on the in-memory columns (`hot`): measured at a
/// million listings, `RangeQuery` on the `lat`/`lon` fast fields spent 40% of a location
/// search unpacking 64-bit values one candidate at a time, to reject what the box test on the
/// arrays rejects in a nanosecond. When no cell cover is small enough (a huge radius), the
/// range queries come back as the leading filter: their column scan beats testing every listing.
fn radius_query(
    f: &Fields,
    hot: &Arc<HotSet>,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> Box<dyn Query> {
    let b = crate::geo::bbox(lat, lon, radius_m);
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match crate::geo::covering_cells(&b) {
        Some(cells) => {
            // A union of term queries: `TermSetQuery` builds an FST per query, which costs
            // more than the search itself for a few dozen cells.
            let terms: Vec<Box<dyn Query>> = cells
                .into_iter()
                .map(|c| {
                    let t = Term::from_field_u64(f.cell, c);
                    Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>
                })
                .collect();
            musts.push((Occur::Must, Box::new(BooleanQuery::union(terms))));
        }
        None => {
            musts.push((Occur::Must, f64_range(f.lat, b.lat.0, b.lat.1)));
            let lon_q: Box<dyn Query> = if b.lon.len() == 1 {
                f64_range(f.lon, b.lon[0].0, b.lon[0].1)
            } else {
                Box::new(BooleanQuery::union(
                    b.lon.iter().map(|(lo, hi)| f64_range(f.lon, *lo, *hi)).collect(),
                ))
            };
            musts.push((Occur::Must, lon_q));
        }
    }
    let hot = Arc::clone(hot);
    let exact: DocPredicateQuery = FunctionPredicate::from(move |seg: &tantivy::SegmentReader| {
        let h = hot.get(seg)?;
        let b = b.clone();
        // NaN (no location) fails every comparison: never within.
        Ok(move |doc: DocId| {
            let (la, lo) = (h.lat[doc as usize], h.lon[doc as usize]);
            la >= b.lat.0
                && la <= b.lat.1
                && b.lon.iter().any(|(min, max)| lo >= *min && lo <= *max)
                && haversine_m(lat, lon, la, lo) <= radius_m
        })
    })
    .into();
    musts.push((Occur::Must, Box::new(exact)));
    Box::new(BooleanQuery::new(musts))
}

/// Every vocabulary value of every group appears in the facets (zeros included).
#[cfg(test)]
mod tests {
    use iop_core::Vocabulary;

    use super::*;

    #[test]
    fn vocabulary_is_what_facets_list() {
        // The facets of an empty result still list every value: checked through `Found`.
        let found = crate::collect::Found { total: 0, counts: [[0; 64]; 2], page: vec![] };
        let facets = found.facets();
        for g in Group::ALL {
            assert_eq!(facets[&g].values.len(), Vocabulary::get().values(g).len());
        }
    }
}

/// The term-at-a-time evaluation (`dense`) against tantivy's own, on the same index: the same
/// matches, facets, order and scores (see `compare`). Its window is 256 documents under test, so
/// these corpora span many windows, with windows where one word has no match and the other is
/// skipped.
#[cfg(test)]
mod thread_tests {
    use super::threads_for;

    #[test]
    fn a_search_takes_the_idle_cores_within_the_limit() {
        // Alone on two cores: both; beside another search: its own only.
        assert_eq!(threads_for(2, 0, 0), 2);
        assert_eq!(threads_for(2, 1, 0), 1);
        // Busier than the cores: still its own thread.
        assert_eq!(threads_for(2, 5, 0), 1);
        assert_eq!(threads_for(1, 0, 0), 1);
        // `--search-threads` is a most, never more than the idle cores.
        assert_eq!(threads_for(8, 2, 4), 4);
        assert_eq!(threads_for(8, 6, 4), 2);
        assert_eq!(threads_for(2, 0, 1), 1);
        assert_eq!(threads_for(2, 0, 16), 2);
    }
}

#[cfg(test)]
mod dense_tests {
    use std::collections::BTreeMap;

    use iop_core::search::{SearchRequest, Sort};
    use iop_core::{Attr, Group, Listing, Vocabulary};
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::{Evaluation, Index};

    /// Words with typos, prefixes, synonyms (`suboxone`, `iop`, `dual diagnosis`) and labels
    /// (`spanish`, `evening`) within reach, and rare ones so that some windows miss a word.
    const WORDS: [&str; 17] = [
        "iop",
        "dual",
        "diagnosis",
        "buprenorphine",
        "intensive",
        "outpatient",
        "program",
        "family",
        "therapy",
        "counseling",
        "evening",
        "recovery",
        "center",
        "co-occurring",
        "harbor",
        "wellness",
        "teen",
    ];
    /// One to four units; a rare word before a label (`harbor spanish`) leaves a block of
    /// label postings read past a skipped window.
    const TEXTS: [&str; 20] = [
        "family therapy counseling",
        "intensive outpatient recovery evening",
        "harbor spanish",
        "teen evening",
        "suboxone",
        "iop",
        "intensive outpatient",
        "family therapy",
        "dual diagnosis",
        "spanish",
        "evening",
        "counseling",
        "recovery center",
        "harbor recovery ",
        "wellnes",
        "buprenorfine",
        "intens",
        "iop evening",
        "teen counseling",
        "zzz",
    ];

    fn corpus(seed: u64, n: usize) -> Vec<Listing> {
        let mut rng = SmallRng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                // Rare words come in runs of doc ids, as real ones do after the Hilbert sort.
                let rare = (i / 300) % 3 == 0;
                let mut pick = |p: f64| -> Vec<&str> {
                    WORDS
                        .iter()
                        .copied()
                        .filter(|w| {
                            let common = !matches!(*w, "harbor" | "wellness" | "teen");
                            rng.random_bool(if common || rare { p } else { 0.0 })
                        })
                        .collect()
                };
                let name = pick(0.15).join(" ");
                // Two draws: a word may come twice (a term frequency of two).
                let description = [pick(0.3), pick(0.15)].concat().join(" ");
                let mut l = Listing {
                    id: format!("d-{i:05}"),
                    name: if name.is_empty() { format!("Clinic {i}") } else { name },
                    description: Some(description),
                    ..Listing::default()
                };
                for g in [Group::Language, Group::Level, Group::Modality] {
                    let vocab: Vec<&str> =
                        Vocabulary::get().values(g).iter().map(|v| v.value.as_str()).collect();
                    let values: Vec<&str> =
                        vocab.iter().copied().filter(|_| rng.random_bool(0.2)).collect();
                    if rng.random_bool(0.7) {
                        *l.attr_mut(g).expect("list group") = Attr::known(values);
                    }
                }
                if rng.random_bool(0.3) {
                    l.schedule.set_facet("evening");
                }
                l
            })
            .collect()
    }

    /// Every page of every text, in both orders: ids, scores, totals and facets. Texts of one
    /// or two units score bit for bit the same. With more, tantivy adds the units' scores
    /// cheapest first (an order of its own), so the last bit may differ and listings whose
    /// scores are that close may swap: then the same listings, with the same scores at every
    /// rank, within a rounding.
    fn compare(index: &Index) {
        type Hits = Vec<(String, f32)>;
        for text in TEXTS {
            let exact = text.split_whitespace().count() <= 2;
            for sort in [Sort::Relevance, Sort::Name] {
                let (mut all_dense, mut all_tantivy): (Hits, Hits) = (vec![], vec![]);
                for page in 1.. {
                    let req = SearchRequest {
                        text: Some(text.to_owned()),
                        sort,
                        page,
                        per_page: 100,
                        ..SearchRequest::default()
                    };
                    let dense =
                        index.search_by(&req, Evaluation::Fastest { threads: 1 }).expect("dense");
                    // Cut into ranges (or segments) searched on three threads: the same answer.
                    let split =
                        index.search_by(&req, Evaluation::Fastest { threads: 3 }).expect("split");
                    assert_eq!(split, dense, "{req:?}");
                    let tantivy = index.search_by(&req, Evaluation::DocAtATime).expect("tantivy");
                    assert_eq!(dense.total, tantivy.total, "{req:?}");
                    assert_eq!(dense.facets, tantivy.facets, "{req:?}");
                    let hits = |r: &iop_core::search::SearchResults| -> Hits {
                        r.hits
                            .iter()
                            .map(|h| (h.listing.id.clone(), h.score.expect("scored")))
                            .collect()
                    };
                    let (d, t) = (hits(&dense), hits(&tantivy));
                    if exact {
                        let bits = |h: &Hits| -> Vec<(String, u32)> {
                            h.iter().map(|(id, s)| (id.clone(), s.to_bits())).collect()
                        };
                        assert_eq!(bits(&d), bits(&t), "{req:?}");
                    }
                    if d.is_empty() {
                        break;
                    }
                    all_dense.extend(d);
                    all_tantivy.extend(t);
                }
                let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * a.abs().max(1.0);
                assert_eq!(all_dense.len(), all_tantivy.len(), "{text}");
                for ((_, d), (_, t)) in all_dense.iter().zip(&all_tantivy) {
                    assert!(close(*d, *t), "{text}: {d} vs {t} at the same rank");
                }
                let by_id = |h: &Hits| h.iter().cloned().collect::<BTreeMap<String, f32>>();
                let (d, t) = (by_id(&all_dense), by_id(&all_tantivy));
                assert!(d.keys().eq(t.keys()), "{text}: not the same listings");
                for (id, score) in &d {
                    assert!(close(*score, t[id]), "{text}: {id} scores {score} vs {}", t[id]);
                }
            }
        }
    }

    #[test]
    fn dense_evaluation_answers_as_tantivy_does() {
        let listings = corpus(3, 1_600);
        let dir = tempfile::tempdir().expect("tempdir");
        crate::build(dir.path(), listings.clone(), &mut |_| {}).expect("build");
        let index = Index::open(dir.path()).expect("open");
        let probe = SearchRequest { text: Some("intensive".into()), ..SearchRequest::default() };
        assert!(index.search(&probe).expect("search").total > 300, "words are common enough");
        compare(&index);

        // Several segments: the same per segment, merged the same way.
        let dir = tempfile::tempdir().expect("tempdir");
        crate::build_in_segments(dir.path(), listings, 500).expect("build");
        compare(&Index::open(dir.path()).expect("open"));
    }
}
