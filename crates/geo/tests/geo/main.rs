//! Integration tests of iop-geo on the shipped real data (`data/geo/`). One test binary.

mod geocode;
mod map;
mod props;
mod real_data;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_geo::Geocoder;

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// One geocoder for all tests (loading takes a fraction of a second; sharing it keeps the
/// suite fast).
pub fn geocoder() -> &'static Geocoder {
    static G: OnceLock<Geocoder> = OnceLock::new();
    G.get_or_init(|| Geocoder::load(&data_dir()).expect("the shipped data loads"))
}

/// Rows of a shipped CSV file as maps from column name to value, to check answers against
/// the source rather than against numbers copied into the test.
pub fn csv_rows(file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(data_dir().join("geo").join(file)).expect("csv opens");
    let header = rdr.headers().expect("header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            header.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}
