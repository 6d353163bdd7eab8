/*!
Turns public provider listings into clean, merged, geocoded [`iop_core::Listing`]s.

# Brief overview

Each source format has a module that parses the real files into listings plus a list of
[`source::Problem`]s (rejected, repaired or unmapped records, each with source, record number,
field and reason). The pipeline validates, geocodes and merges them.

[`ingest`] runs it all: it finds the sources ([`SourceFile::detect`] tells a file's format from
its content; by default every source shipped under `data/`), parses each, runs every listing
through [`validate::validate`] (ZIP, state, coordinates, phones, web site; listings without a
point get their ZIP or city centroid, flagged approximate), merges copies of one facility across
sources ([`merge::merge`]), and returns an [`Ingest`]: the listings sorted by id and a
[`Summary`] (per-source counts, merges by source pair, listings per state and per level of
care, every problem). [`write_jsonl`] writes the listings in the API's listing shape.
Sources: the FindTreatment.gov API ([`findtreatment`]), the 2018 locator export
([`locator2018`]), the 2025 California records ([`ca2025`]), the national 2021 list
([`national2021`]), the OTP directory ([`otp`]), the California DHCS list ([`dhcs`]) and the
2-1-1 Miami HSDS package and Open Referral HSDS 3.0 JSON and tabular packages (through
`iop-hsds`). Curated program sheets ([`sheets`]) apply last, by listing id.

Every listing carries its per-field provenance ([`iop_core::Provenance`]): validation stamps
what each parsed record states and marks what it computed (`derived:zip-centroid`, ...), the
merge joins it as it joins the values, sheets add themselves as the source of what they set.
[`Ingest::refresh`] compares a run with the previous one ([`refresh`]): added, updated (per
field), unchanged and stale listings, in the [`Summary`].
*/
#![warn(missing_docs)]

pub mod source;

mod csvfile;
pub mod dhcs;
pub mod merge;
pub mod national2021;
pub mod nppes;
pub mod otp;
pub mod pipeline;
pub mod refresh;
pub mod report;
pub mod sheets;
pub mod validate;

// SAMHSA-shaped sources (FindTreatment.gov API, 2018 locator export, 2025 CA file).
pub mod ca2025;
pub mod findtreatment;
pub mod locator2018;
pub mod services;

pub use pipeline::{
    Ingest, IngestOptions, SourceFile, SourceKind, ingest, ingest_with_sheets, write_jsonl,
};
pub use report::Summary;
pub use source::{Error, Parsed, Problem, ProblemKind, SourceInfo};
