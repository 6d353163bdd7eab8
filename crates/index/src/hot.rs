//! The hot columns of each segment, decoded into plain arrays when a generation is opened.
//!
//! Every search reads, for every candidate listing, its two attribute words (filters and facet
//! counts), often its point (distance) and its id ordinal (ties). Through tantivy's fast-field
//! readers that is a dynamic call and a bit-unpacking per value, which at a million listings was
//! most of a search's time; from arrays it is a load. The cost is memory, about 40 bytes per
//! listing (40 MB for a million), paid once per generation, and an open time of a few
//! milliseconds per hundred thousand listings. The doc of each id ordinal is kept too: lookups
//! by id go through the id column's dictionary (the id is not an indexed term).

use std::sync::Arc;

use tantivy::columnar::{Column, ColumnValues, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

use crate::layout::WORDS;
use crate::schema;

/// Ordinal of a listing without a value.
pub(crate) const NO_ORD: u32 = u32::MAX;

/// One segment's hot columns, indexed by doc id.
pub(crate) struct Hot {
    pub segment_id: SegmentId,
    pub bits: Vec<[u64; WORDS]>,
    /// Latitude and longitude; NaN without a location.
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    /// Ordinal of the id in this segment's dictionary (ordinals sort like the ids).
    pub id_ord: Vec<u32>,
    /// The doc of each id ordinal (the inverse of `id_ord`): lookups by id.
    pub doc_of_id: Vec<u32>,
    /// Ordinal of the folded name (for sorting by name).
    pub name_ord: Vec<u32>,
    /// The dictionaries, to turn ordinals back into strings when segments are merged.
    pub ids: Option<StrColumn>,
    pub names: Option<StrColumn>,
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

fn ords(seg: &SegmentReader, name: &str) -> tantivy::Result<(Vec<u32>, Option<StrColumn>)> {
    let Some(col) = seg.fast_fields().str(name)? else {
        return Ok((vec![NO_ORD; seg.max_doc() as usize], None));
    };
    let ords = values(col.ords().clone().first_or_default_col(u64::MAX), seg.max_doc());
    let ords = ords.into_iter().map(|o| u32::try_from(o).unwrap_or(NO_ORD)).collect();
    Ok((ords, Some(col)))
}

impl Hot {
    fn load(seg: &SegmentReader) -> tantivy::Result<Hot> {
        let (b0, b1) = (u64_values(seg, schema::BITS[0])?, u64_values(seg, schema::BITS[1])?);
        let (id_ord, ids) = ords(seg, schema::ID)?;
        let (name_ord, names) = ords(seg, schema::NAME_SORT)?;
        let distinct = ids.as_ref().map_or(0, |c| c.dictionary().num_terms());
        let mut doc_of_id = vec![NO_ORD; distinct];
        for (doc, ord) in id_ord.iter().enumerate() {
            if let Some(slot) = doc_of_id.get_mut(*ord as usize) {
                *slot = doc as u32;
            }
        }
        Ok(Hot {
            segment_id: seg.segment_id(),
            bits: b0.into_iter().zip(b1).map(|(a, b)| [a, b]).collect(),
            lat: f64_values(seg, schema::LAT)?,
            lon: f64_values(seg, schema::LON)?,
            id_ord,
            doc_of_id,
            name_ord,
            ids,
            names,
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
