/*!
Turns public provider listings into clean, merged, geocoded [`iop_core::Listing`]s.

# Brief overview

Each source format has a module that parses the real files into listings plus a list of
[`source::Problem`]s (rejected, repaired or unmapped records, each with source, record number,
field and reason). The pipeline validates, geocodes and merges them.
*/
#![warn(missing_docs)]

pub mod source;
pub mod sheets;

pub use source::{Parsed, Problem, ProblemKind, SourceInfo};
