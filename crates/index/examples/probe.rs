#[path = "../benches/support/synth.rs"]
mod synth;
use synth::{Synth, workload};
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let what = std::env::args().nth(2).unwrap();
    if what == "build" {
        let n: u64 = std::env::args().nth(3).unwrap().parse().unwrap();
        let mut synth = Synth::new(7);
        let ls: Vec<_> = (0..n).map(|i| synth.listing(i)).collect();
        let t = std::time::Instant::now();
        let _ = std::fs::remove_dir_all(&dir);
        let stats = iop_index::build(std::path::Path::new(&dir), ls, &mut |_| {}).unwrap();
        eprintln!(
            "build {n}: {:.2} s wall, {:.0}/s, {:.1} MB",
            t.elapsed().as_secs_f64(),
            n as f64 / t.elapsed().as_secs_f64(),
            stats.size_bytes as f64 / 1e6
        );
        return;
    }
    if what == "q" {
        let index = iop_index::Index::open(std::path::Path::new(&dir)).unwrap();
        let text = std::env::args().nth(3).unwrap();
        let mut q = iop_core::search::SearchRequest {
            text: Some(text.clone()),
            page: 1,
            per_page: 20,
            ..Default::default()
        };
        if text == "ALL" {
            q.text = None;
        }
        if text == "ALLREL" {
            q.text = None;
            q.sort = iop_core::search::Sort::Relevance;
        }
        let t = std::time::Instant::now();
        for _ in 0..20 {
            std::hint::black_box(index.search(&q).unwrap());
        }
        eprintln!("{:.2} ms", t.elapsed().as_secs_f64() * 1e3 / 20.0);
        return;
    }
    if what == "each" {
        let index = iop_index::Index::open(std::path::Path::new(&dir)).unwrap();
        let mut seen = std::collections::BTreeMap::new();
        for (c, q) in workload(11, &Synth::new(7).zips().to_vec(), 200) {
            if c.name() != "text" {
                continue;
            }
            let t = std::time::Instant::now();
            let r = index.search(&q).unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let e = seen.entry(q.text.clone().unwrap()).or_insert((0.0f64, 0usize, r.total));
            e.0 += ms;
            e.1 += 1;
        }
        for (t, (ms, n, total)) in seen {
            println!("{t:<22} {:>8.2} ms  total {total}", ms / n as f64);
        }
        return;
    }
    if what == "json" {
        let mut synth = Synth::new(7);
        let ls: Vec<_> = (0..1000).map(|i| synth.listing(i)).collect();
        let js: Vec<String> = ls.iter().map(|l| serde_json::to_string(l).unwrap()).collect();
        eprintln!("avg json {} bytes", js.iter().map(|j| j.len()).sum::<usize>() / js.len());
        let t = std::time::Instant::now();
        for _ in 0..20 {
            for j in &js {
                std::hint::black_box(serde_json::from_str::<iop_core::Listing>(j).unwrap());
            }
        }
        eprintln!("parse {:.2} us", t.elapsed().as_secs_f64() * 1e6 / 20000.0);
        let t = std::time::Instant::now();
        for _ in 0..20 {
            for l in &ls {
                std::hint::black_box(l.clone());
            }
        }
        eprintln!("clone {:.2} us", t.elapsed().as_secs_f64() * 1e6 / 20000.0);
        return;
    }
    let index = iop_index::Index::open(std::path::Path::new(&dir)).unwrap();
    let zips = Synth::new(7).zips().to_vec();
    let queries = workload(11, &zips, 200);
    let per_page: usize = std::env::args().nth(3).map(|s| s.parse().unwrap()).unwrap_or(20);
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..5 {
        for (c, q) in &queries {
            if c.name() != what {
                continue;
            }
            let mut q = q.clone();
            q.per_page = per_page;
            q.page = 1;
            std::hint::black_box(index.search(&q).unwrap());
            n += 1;
        }
    }
    eprintln!(
        "{what} per_page {per_page}: {n} queries, {:.3} ms wall each",
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
#[allow(dead_code)]
fn json_cost() {}
