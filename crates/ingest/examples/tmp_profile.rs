use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
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
fn synthetic_national(path: &Path, rows: usize, geo: &iop_geo::Geocoder) -> usize {
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


fn data_dir() -> std::path::PathBuf { Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data") }
fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let t = Instant::now();
    let geo = iop_geo::Geocoder::load(&data).unwrap();
    eprintln!("geo load {:?}", t.elapsed());
    let t = Instant::now();
    let p = iop_ingest::national2021::parse(&data.join("samhsa/samhsa_sud_facilities_national_2021.csv")).unwrap();
    eprintln!("parse national {:?}", t.elapsed());
    let t = Instant::now();
    let mut n = 0;
    for l in &p.listings { if let Some(loc) = l.location { if geo.in_us(loc.lat, loc.lon) { n += 1; } } }
    eprintln!("in_us x{} {:?}", n, t.elapsed());
    let t = Instant::now();
    for l in &p.listings { if let Some(loc) = l.location { let _ = geo.state_at(loc.lat, loc.lon); } }
    eprintln!("state_at {:?}", t.elapsed());
    let t = Instant::now();
    for l in &p.listings { if let Some(z) = &l.address.zip { let _ = geo.zip_exists(z); let _ = geo.zip(z); } }
    eprintln!("zip {:?}", t.elapsed());
    let t = Instant::now();
    let v: Vec<_> = p.listings.iter().cloned().enumerate().filter_map(|(i, l)| iop_ingest::validate::validate(l, "x", i, &geo).0).collect();
    eprintln!("validate {:?}", t.elapsed());
    let t = Instant::now();
    let (out, _) = iop_ingest::merge::merge(v);
    eprintln!("merge {:?} {}", t.elapsed(), out.len());
    let path = std::path::PathBuf::from("/tmp/synth200k.csv");
    synthetic_national(&path, 200_000, &geo);
    let t = Instant::now();
    let p = iop_ingest::national2021::parse(&path).unwrap();
    eprintln!("parse synth {:?}", t.elapsed());
    let t = Instant::now();
    let v: Vec<_> = p.listings.iter().cloned().enumerate().filter_map(|(i, l)| iop_ingest::validate::validate(l, "x", i, &geo).0).collect();
    eprintln!("validate synth {:?}", t.elapsed());
    let t = Instant::now();
    let (out, st) = iop_ingest::merge::merge(v);
    eprintln!("merge synth {:?} {} {}", t.elapsed(), out.len(), st.merged);
    let t = Instant::now();
    let h = iop_hsds::miami::parse_dir(&data.join("miami211"), "2026-01-01").unwrap();
    eprintln!("miami {:?} {}", t.elapsed(), h.listings.len());
}
