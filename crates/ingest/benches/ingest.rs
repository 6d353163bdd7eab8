//! Ingest throughput: listings per second through parse, validate and merge.
//!
//! - `shipped`: every source shipped under `data/` (what `iop ingest` reads by default).
//! - `synthetic_200k`: 200,000 rows in the national list's CSV format, made here from a fixed
//!   seed and written to a temporary folder: SYNTHETIC data, clustered around real ZIP
//!   centroids so the grid and the merge see realistic densities. Never shipped, never indexed.
//!
//! Run with `cargo bench -p iop-ingest --bench ingest`. The geocoder is loaded once, outside
//! the measurement (the server and the CLI load it once too).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iop_geo::Geocoder;
use iop_ingest::{IngestOptions, ingest};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// SplitMix64: a tiny, fixed, dependency-free generator; the same seed gives the same file.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in -1..1.
    fn signed(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Writes `rows` synthetic national-format rows around real ZIP centroids.
fn synthetic_national(path: &Path, rows: usize, geo: &Geocoder) -> usize {
    let zcta =
        std::fs::read_to_string(data_dir().join("geo/zcta_centroids_2023_census_gazetteer.csv"))
            .expect("the ZCTA table is shipped");
    let zips: Vec<(String, f64, f64, &'static str)> = zcta
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let (zip, lat, lon) = (f.next()?, f.next()?.parse().ok()?, f.next()?.parse().ok()?);
            let state = geo.zip_state(zip)?;
            Some((zip.to_owned(), lat, lon, state))
        })
        .collect();
    let first = ["Synthetic", "Harbor", "Summit", "Riverside", "New Path", "Beacon", "Cedar"];
    let second = ["Recovery", "Counseling", "Treatment", "Wellness", "Health"];
    let streets = ["Main Street", "Oak Avenue", "Elm Road", "Market Street", "Church Lane"];
    let mut rng = SplitMix(0x010b_5eed);
    let mut out =
        String::from("name1,name2,street1,street2,city,state,zip,zip4,county,latitude,longitude\n");
    // Clusters: most rows near a fifth of the ZIPs, like facilities near cities.
    let hubs: Vec<usize> = (0..zips.len() / 5).map(|_| rng.below(zips.len())).collect();
    for i in 0..rows {
        let (zip, lat, lon, state) = &zips
            [if rng.below(10) < 8 { hubs[rng.below(hubs.len())] } else { rng.below(zips.len()) }];
        // Within about 3 km of the centroid.
        let (dlat, dlon) = (rng.signed() * 0.027, rng.signed() * 0.035);
        let _ = writeln!(
            out,
            "Synthetic {} {} {i},,{} {},,Synthetic City,{state},{zip},,,{:.6},{:.6}",
            first[rng.below(first.len())],
            second[rng.below(second.len())],
            1 + rng.below(9_999),
            streets[rng.below(streets.len())],
            lat + dlat,
            lon + dlon,
        );
    }
    std::fs::write(path, out).expect("the synthetic file is written");
    rows
}

fn benches(c: &mut Criterion) {
    let geo = Geocoder::load(&data_dir()).expect("the shipped geo data loads");

    let shipped = IngestOptions::shipped(data_dir());
    let read: usize =
        ingest(&shipped, &geo).expect("ingest runs").summary.sources.iter().map(|s| s.read).sum();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(read as u64));
    group.bench_function("shipped", |b| b.iter(|| ingest(&shipped, &geo).expect("ingest runs")));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("synthetic_national_200k.csv");
    let rows = synthetic_national(&path, 200_000, &geo);
    let synthetic = IngestOptions { data_dir: data_dir(), sources: vec![path], progress: false };
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("synthetic_200k", |b| {
        b.iter(|| ingest(&synthetic, &geo).expect("ingest runs"))
    });
    group.finish();
}

criterion_group!(ingest_benches, benches);
criterion_main!(ingest_benches);
