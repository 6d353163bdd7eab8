/*!
The shared model of IOP Finder: what a treatment listing is, the vocabulary its attributes are
drawn from, and the plain-data search contract between the index and the front end.

# Brief overview

The principal type is [`Listing`]: one treatment location, merged from every source that knows
it. Every attribute group (levels of care, modalities, medications, schedule, payments,
populations, languages) is an [`Attr`]: either [`Attr::Unknown`] (the sources say nothing) or
[`Attr::Known`] with the values they list (possibly none: the sources say "no"). Unknown is never
collapsed into "no"; that rule is the reason this crate exists. Its [`Provenance`] says which
of its sources states each [`Field`].

[`Vocabulary`] is the one table of filter values, with English and Spanish labels and, for levels
of care, their ASAM level. [`SamhsaVocabulary`] maps SAMHSA service codes and service names onto
it. Both are data (the CSV tables in `data/vocabulary/`), compiled in so this crate does no I/O.

[`search::SearchRequest`] and [`search::SearchResults`] are the plain-data search API that the
index crate answers and the web crate renders; no tantivy or HTTP type appears in them.

This crate has no I/O, no tantivy and no HTTP: everything in it is pure and cheap to test.
*/
#![warn(missing_docs)]

pub mod date;
pub mod distance;
pub mod id;
pub mod listing;
pub mod phone;
pub mod provenance;
pub mod schedule;
pub mod search;
pub mod states;
pub mod vocabulary;

pub use listing::{Address, Attr, Listing, Location, Phones, SourceRef};
pub use provenance::{Field, Provenance};
pub use schedule::{Schedule, Session, SessionFormat, SessionKind, Weekday};
pub use vocabulary::{Group, SamhsaVocabulary, Vocabulary};
