//! The hot columns of each segment, decoded into plain arrays when a generation is opened.
//!
//! Every search reads, for every candidate listing, its two attribute words (filters and facet
//! counts), often its point (distance) and its id ordinal (ties). Through tantivy's fast-field
//! readers that is a dynamic call and a bit-unpacking per value, which at a million listings was
//! most of a search's time; from arrays it is a load. The cost is memory, about 40 bytes per
//! listing (40 MB for a million), paid once per generation, and an open time of a few
//! milliseconds per hundred thousand listings. The docs in id order are kept too: a lookup by id
//! finds the id's rank in the generation's id dictionary, then its doc here (the id is not an
//! indexed term).

use std::sync::Arc;

use tantivy::columnar::{Column, ColumnValues};
use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

use crate::layout::WORDS;
use crate::schema;

/// One segment's hot columns, indexed by doc id.
pub(crate) struct Hot {
    pub segment_id: SegmentId,
    pub bits: Vec<[u64; WORDS]>,
    /// Latitude and longitude; NaN without a location.
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    /// The rank of the id among the generation's (`schema::ID_RANK`): ranks sort like the
    /// ids, in every segment.
    pub id_rank: Vec<u32>,
    /// This segment's docs in id order: lookups by id.
    pub by_id: Vec<u32>,
    /// The rank of the folded name (`schema::NAME_RANK`), for sorting by name.
    pub name_rank: Vec<u32>,
}

impl std::fmt::Debug for Hot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hot").field("docs", &self.bits.len()).finish_non_exhaustive()
    }
}

fn values<T>(col: Arc<dyn ColumnValues<T>>, n: u32) -> Vec<T>
where
    T: PartialOrd + Copy + Default + 'static,
{
    let mut out = vec![T::default(); n as usize];
    let docs: Vec<u32> = (0..n).collect();
    for (chunk, out) in docs.chunks(4096).zip(out.chunks_mut(4096)) {
        col.get_vals(chunk, out);
    }
    out
}

fn u64_values(seg: &SegmentReader, name: &str) -> tantivy::Result<Vec<u64>> {
    let col: Column<u64> = seg
        .fast_fields()
        .column_opt(name)?
        .unwrap_or_else(|| Column::build_empty_column(seg.max_doc()));
    Ok(values(col.first_or_default_col(0), seg.max_doc()))
}

fn f64_values(seg: &SegmentReader, name: &str) -> tantivy::Result<Vec<f64>> {
    let col: Column<f64> = seg
        .fast_fields()
        .column_opt(name)?
        .unwrap_or_else(|| Column::build_empty_column(seg.max_doc()));
    Ok(values(col.first_or_default_col(f64::NAN), seg.max_doc()))
}

/// The docs of a segment in rank order. A segment that holds a whole generation (what a build
/// makes) holds every rank once, and this is the inverse permutation, made in one pass; several
/// segments share the ranks, and each sorts its own.
fn docs_by_rank(ranks: &[u32]) -> Vec<u32> {
    let mut by_rank = vec![u32::MAX; ranks.len()];
    for (doc, rank) in ranks.iter().enumerate() {
        match by_rank.get_mut(*rank as usize) {
            Some(slot) if *slot == u32::MAX => *slot = doc as u32,
            _ => {
                let mut docs: Vec<u32> = (0..ranks.len() as u32).collect();
                docs.sort_unstable_by_key(|doc| ranks[*doc as usize]);
                return docs;
            }
        }
    }
    by_rank
}

/// A rank column (ranks are below 2^32: a build refuses more listings).
fn ranks(seg: &SegmentReader, name: &str) -> tantivy::Result<Vec<u32>> {
    let ranks = u64_values(seg, name)?;
    Ok(ranks.into_iter().map(|r| u32::try_from(r).unwrap_or(u32::MAX)).collect())
}

impl Hot {
    /// The doc of the listing whose id has `rank`, if it is in this segment.
    pub(crate) fn doc_of_rank(&self, rank: u32) -> Option<u32> {
        let at = self.by_id.binary_search_by_key(&rank, |doc| self.id_rank[*doc as usize]).ok()?;
        Some(self.by_id[at])
    }

    fn load(seg: &SegmentReader) -> tantivy::Result<Hot> {
        let (b0, b1) = (u64_values(seg, schema::BITS[0])?, u64_values(seg, schema::BITS[1])?);
        let id_rank = ranks(seg, schema::ID_RANK)?;
        let by_id = docs_by_rank(&id_rank);
        Ok(Hot {
            segment_id: seg.segment_id(),
            bits: b0.into_iter().zip(b1).map(|(a, b)| [a, b]).collect(),
            lat: f64_values(seg, schema::LAT)?,
            lon: f64_values(seg, schema::LON)?,
            id_rank,
            by_id,
            name_rank: ranks(seg, schema::NAME_RANK)?,
        })
    }
}

/// The hot columns of every segment of a searcher.
#[derive(Debug, Default)]
pub(crate) struct HotSet {
    segments: Vec<Arc<Hot>>,
}

impl HotSet {
    pub(crate) fn load(searcher: &Searcher) -> tantivy::Result<HotSet> {
        let segments: tantivy::Result<Vec<Arc<Hot>>> =
            searcher.segment_readers().iter().map(|s| Hot::load(s).map(Arc::new)).collect();
        Ok(HotSet { segments: segments? })
    }

    /// The columns of a segment (an error if the segment is not from this searcher).
    pub(crate) fn get(&self, seg: &SegmentReader) -> tantivy::Result<Arc<Hot>> {
        let id = seg.segment_id();
        self.segments.iter().find(|h| h.segment_id == id).cloned().ok_or_else(|| {
            tantivy::TantivyError::InvalidArgument(format!("segment {id:?} has no hot columns"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_by_rank_of_a_whole_generation_and_of_a_part() {
        // Every rank once: the inverse permutation.
        assert_eq!(docs_by_rank(&[2, 0, 3, 1]), vec![1, 3, 0, 2]);
        // A segment of a larger generation, with ranks past its length: sorted instead.
        assert_eq!(docs_by_rank(&[7, 2, 9, 4]), vec![1, 3, 0, 2]);
        // Ranks within its length but not all of them.
        assert_eq!(docs_by_rank(&[3, 1, 6, 0]), vec![3, 1, 0, 2]);
        assert_eq!(docs_by_rank(&[]), Vec::<u32>::new());
    }
}
