#[path = "../../index/benches/support/synth.rs"]
mod synth;
use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("/tmp/w1load/index2");
    if !dir.exists() {
        iop_index::build(dir, synth::Synth::new(7).listings(20000), &mut |_| {}).unwrap();
    }
    let index = iop_index::Index::open(dir).unwrap();
    let geo = iop_geo::Geocoder::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data"
    )))
    .unwrap();
    let lines: Vec<String> = std::fs::read_to_string("/tmp/w1load/api.txt")
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches("/api/v1/search?").to_owned())
        .collect();
    let mut reqs = Vec::new();
    for l in &lines {
        let p = iop_web::params::parse_query(Some(l)).unwrap();
        let (r, _) = iop_web::params::resolve(&p, &geo).unwrap();
        reqs.push((p, r));
    }
    for round in 0..2 {
        let t = Instant::now();
        for (_, r) in &reqs {
            std::hint::black_box(index.search(r).unwrap());
        }
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut bytes = 0;
        for l in &lines {
            let t0 = Instant::now();
            let p = iop_web::params::parse_query(Some(l)).unwrap();
            let (r, place) = iop_web::params::resolve(&p, &geo).unwrap();
            let results = index.search(&r).unwrap();
            let s = iop_web::Searched {
                request: r,
                place,
                results,
                took_ms: t0.elapsed().as_secs_f64(),
            };
            let body = serde_json::to_vec(&iop_web::api::SearchResponse::new(&p, s)).unwrap();
            bytes += body.len();
        }
        let b = t.elapsed().as_secs_f64();
        println!(
            "round {round}: index only {:.3} ms/q; full {:.3} ms/q; avg body {} bytes",
            a * 1000.0 / lines.len() as f64,
            b * 1000.0 / lines.len() as f64,
            bytes / lines.len()
        );
    }
}
