/*!
Turns public provider listings into clean, merged, geocoded [`iop_core::Listing`]s.

# Brief overview

Each source format has a module that parses the real files into listings plus a list of
[`source::Problem`]s (rejected, repaired or unmapped records, each with source, record number,
field and reason). The pipeline validates, geocodes and merges them.
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
pub mod report;
pub mod sheets;
pub mod validate;

// SAMHSA-shaped sources (FindTreatment.gov API, 2018 locator export, 2025 CA file).
pub mod ca2025;
pub mod findtreatment;
pub mod locator2018;
pub mod services;

pub use pipeline::{Ingest, IngestOptions, SourceFile, SourceKind, ingest, write_jsonl};
pub use report::Summary;
pub use source::{Error, Parsed, Problem, ProblemKind, SourceInfo};
