//! Paths to the shared data and readers for the raw files the tests compare against.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

/// `../shared/data/<rel>` from the repository root.
pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

/// `data/<rel>` in the repository.
pub fn shipped(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

fn gunzip(path: &PathBuf) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut s = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut s).unwrap();
    s
}

/// Every distinct `original_text` of the Miami `regular_schedules` table, as stored (escapes).
pub fn miami_hours_texts() -> BTreeSet<String> {
    let text = gunzip(&shared("hsds_miami_open211_2019/regular_schedules.csv.gz"));
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let col = rdr.headers().unwrap().iter().position(|h| h == "original_text").unwrap();
    rdr.records().map(|r| r.unwrap()[col].to_owned()).filter(|t| !t.trim().is_empty()).collect()
}

/// Every distinct location `hours` text of the Ohana export.
pub fn ohana_hours_texts() -> BTreeSet<String> {
    let text = gunzip(&shared("ohana_smc_2013/locations.ndjson.gz"));
    text.lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["hours"].as_str().map(str::to_owned)
        })
        .filter(|t| !t.trim().is_empty())
        .collect()
}

/// AIRS codes per Miami service id, from the raw `services_taxonomy` table.
pub fn miami_service_codes() -> std::collections::HashMap<String, Vec<String>> {
    let text = gunzip(&shared("hsds_miami_open211_2019/services_taxonomy.csv.gz"));
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut map: std::collections::HashMap<String, Vec<String>> = Default::default();
    for r in rdr.records() {
        let r = r.unwrap();
        map.entry(r[1].to_owned()).or_default().push(r[2].to_owned());
    }
    map
}
