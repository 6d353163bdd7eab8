//! Tests on the real data sets in `../shared/data` (2-1-1 Miami, Ohana San Mateo, HSDS 3.0).
//! One test binary, one module per source.

mod hours_corpus;
mod hsds3;
mod miami;
mod ohana;
mod util;
