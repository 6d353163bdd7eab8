//! The tantivy schema: every field named once, resolved once into [`Fields`].
//!
//! What each field is for:
//! - `id_rank` (u64, fast): the rank of the listing's id among all the ids of its generation,
//!   the tie-break of every sort. The ids themselves are in the generation's id dictionary
//!   ([`IDS`]: the sorted ids, so an id's ordinal there is its rank), through which a listing is
//!   found by id (`hot` gives the doc of a rank).
//!
//!   Ranks rather than string columns (`id` and `name_sort` up to version 6): a large build
//!   merges the segments of its two halves, and merging a string column merges its dictionary
//!   and rewrites every ordinal. With ranks, a 400,000-listing build ran 4% fewer instructions,
//!   its merge 15% fewer (callgrind). Ranks also order the same in every segment, so results
//!   from several segments compare without their strings. (Not an indexed term either: a term
//!   per listing made a large share of the build.)
//! - `name` (text): the name and the alternative name, boosted at query time.
//! - `body` (text): description and raw service names.
//!
//!   Both receive their text already analysed (`text::Analysed`: the tokens of
//!   `text::analyzer()` joined by spaces); their tokenizer only splits it again, so the terms
//!   are the analyser's and each text is analysed once per build.
//! - `phrase` (keywords, indexed): the multi-word synonym targets (`intensive outpatient`)
//!   found in the name (`n:` terms) or the body (`b:` terms) at indexing time. A synonym then
//!   costs one term query instead of a phrase query, and `name`/`body` need no positions
//!   (smaller index, faster indexing).
//! - `attr` (keywords, indexed): one term per value that holds, `level=iop`, and for the
//!   schedule `schedule!evening` for a facet known not to hold. Text search reaches vocabulary
//!   labels through these terms (a query word that matches a label becomes a term query here),
//!   and filter values outside the vocabulary are evaluated from them.
//! - `bits0`, `bits1` (u64, fast): the three-valued attributes of every group packed as bits
//!   (see `layout`); filters and facet counts are computed from these two words.
//! - `state` (raw, indexed, fast), `vstate` (keywords, indexed): the address state, and the
//!   states a listing serves virtually (only when its `virtual` facet holds).
//!
//!   A keyword field indexes each of its values as one term, as `STRING` does; a listing gives
//!   it all its values as one text, joined by `text::VALUE_SEPARATOR`, which its tokenizer
//!   (`text::values_tokenizer`) splits again: one value per field instead of one per term made
//!   indexing cheaper.
//! - `lat`, `lon` (f64, fast) and `cell` (u64, indexed, one term per grid level): geo.
//!   Not stored: the stored listing already carries its location.
//! - `geo_key` (u64, fast): the listing's position on a Hilbert curve; a build writes the
//!   documents in its order (see `sort`), so listings near each other have neighbouring doc
//!   ids (see `geo::hilbert_key`).
//! - `name_rank` (u64, fast): the rank of the folded name (`text::sort_key`) among those of the
//!   generation, equal names equal ranks: the key of the sort by name.
//! - `listing` (text, stored only): the whole listing in its stored form (`codec`: its fields
//!   in order, lengths as ASCII digits; JSON up to version 4). A string rather than bytes:
//!   tantivy reads stored strings in one copy, bytes one by one.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use crate::layout::WORDS;
use crate::{Error, Result};

/// The version of the on-disk layout. Bump it whenever a field, a tokenizer or the meaning of
/// an indexed value changes: an index of another version is refused with a message asking to
/// rebuild it with `iop index`.
pub const SCHEMA_VERSION: u32 = 7;

pub(crate) const ID_RANK: &str = "id_rank";
pub(crate) const NAME: &str = "name";
pub(crate) const BODY: &str = "body";
pub(crate) const PHRASE: &str = "phrase";
pub(crate) const ATTR: &str = "attr";
pub(crate) const BITS: [&str; WORDS] = ["bits0", "bits1"];
pub(crate) const STATE: &str = "state";
pub(crate) const VSTATE: &str = "vstate";
pub(crate) const LAT: &str = "lat";
pub(crate) const LON: &str = "lon";
pub(crate) const CELL: &str = "cell";
pub(crate) const GEO_KEY: &str = "geo_key";
pub(crate) const NAME_RANK: &str = "name_rank";
pub(crate) const LISTING: &str = "listing";

/// The generation's id dictionary, beside the tantivy files: every id, sorted, in a tantivy
/// sstable dictionary (`tantivy::columnar::Dictionary`, what a string column keeps its terms
/// in), so that the ordinal of an id is its rank (`id_rank`).
pub(crate) const IDS: &str = "ids.sstable";

/// The tokenizer of `name` and `body`: their text arrives analysed (simple word split, lower
/// case, ASCII folding: `Español` -> `espanol`, see `text::analyzer`) with its tokens joined by
/// spaces, and this splits it again (`text::indexing_tokenizer`).
pub(crate) const TOKENIZER: &str = "iop_analysed";

/// The tokenizer of the keyword fields (`attr`, `phrase`, `vstate`): their values arrive joined
/// by `text::VALUE_SEPARATOR`, and this splits them again, a term per value
/// (`text::values_tokenizer`).
pub(crate) const VALUES_TOKENIZER: &str = "iop_values";

/// Registers the tokenizers the schema names, on an index being built or merged.
pub(crate) fn register_tokenizers(index: &tantivy::Index) {
    index.tokenizers().register(TOKENIZER, crate::text::indexing_tokenizer());
    index.tokenizers().register(VALUES_TOKENIZER, crate::text::values_tokenizer());
}

/// Every field handle, resolved once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub id_rank: Field,
    pub name: Field,
    pub body: Field,
    pub phrase: Field,
    pub attr: Field,
    pub bits: [Field; WORDS],
    pub state: Field,
    pub vstate: Field,
    pub lat: Field,
    pub lon: Field,
    pub cell: Field,
    pub geo_key: Field,
    pub name_rank: Field,
    pub listing: Field,
}

/// The schema of this version.
pub(crate) fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    // What `STRING` is (a term per value, no frequencies, field norms), but with the values of a
    // listing given as one text.
    let keywords = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(VALUES_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(true),
    );
    b.add_u64_field(ID_RANK, FAST);
    b.add_text_field(NAME, text.clone());
    b.add_text_field(BODY, text);
    b.add_text_field(PHRASE, keywords.clone());
    b.add_text_field(ATTR, keywords.clone());
    for name in BITS {
        b.add_u64_field(name, FAST);
    }
    b.add_text_field(STATE, STRING | FAST);
    b.add_text_field(VSTATE, keywords);
    b.add_f64_field(LAT, FAST);
    b.add_f64_field(LON, FAST);
    b.add_u64_field(CELL, NumericOptions::from(INDEXED));
    b.add_u64_field(GEO_KEY, FAST);
    b.add_u64_field(NAME_RANK, FAST);
    b.add_text_field(LISTING, STORED);
    b.build()
}

impl Fields {
    /// Resolves every field in `schema`; an index missing one was built by another version.
    pub(crate) fn new(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::Storage(format!("the index has no field {name:?}")))
        };
        Ok(Fields {
            id_rank: f(ID_RANK)?,
            name: f(NAME)?,
            body: f(BODY)?,
            phrase: f(PHRASE)?,
            attr: f(ATTR)?,
            bits: [f(BITS[0])?, f(BITS[1])?],
            state: f(STATE)?,
            vstate: f(VSTATE)?,
            lat: f(LAT)?,
            lon: f(LON)?,
            cell: f(CELL)?,
            geo_key: f(GEO_KEY)?,
            name_rank: f(NAME_RANK)?,
            listing: f(LISTING)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_resolves() {
        let fields = Fields::new(&schema()).expect("fields");
        assert_ne!(fields.lat, fields.lon);
        assert_eq!(schema().fields().count(), 13 + WORDS);
    }
}
