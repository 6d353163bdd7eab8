//! HTTP load test (a benchmark, not a test): the real `iop serve` over a synthetic index, driven
//! by `wrk` at 64 connections against `/healthz` (the ceiling), `/api/v1/search` and the HTML
//! search page, each cycling through a fixed, seeded workload.
//!
//! ```text
//! crates/web/scripts/load.sh [LISTINGS] [SECONDS]      # default 20000 listings, 10 s per target
//! ```
//!
//! The script builds `target/release/iop` and runs this (`cargo bench -p iop-web --bench load`).
//! Listings come from the index crate's seeded generator (`crates/index/benches/support/
//! synth.rs`: real ZIP centroids, SAMHSA-like attribute mixes), and so do the searches
//! (location, location + filters, location + text, text, state, virtual). The server and `wrk`
//! share this machine's cores, so absolute numbers are a floor; the ratio search/healthz is the
//! figure to watch. Target at 20,000 listings: JSON search at least 1/3 of the `/healthz` rate
//! and p99 under 10 ms.
//!
//! Two servers run on the same index: the product as shipped, whose cache of recent answers
//! (`crates/web/src/cache.rs`) the warm-up fills since the workload cycles through 600
//! searches, and one started with `--cache-mb 0`, where every search is computed. The second
//! pair of rows is the honest figure for searches nobody made in the last ten minutes.

#[path = "../../index/benches/support/synth.rs"]
mod synth;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iop_core::search::{Area, SearchRequest};
use synth::{Synth, workload};

/// Stops the server when the benchmark ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The query string of a search, as a partner site would send it.
fn query_string(req: &SearchRequest) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &req.area {
        Some(Area::Radius { lat, lon, radius_m, .. }) => {
            parts.push(format!("near={lat:.4},{lon:.4}"));
            parts.push(format!("radius_mi={}", (radius_m / 1609.344).round()));
        }
        Some(Area::State(st)) => parts.push(format!("state={st}")),
        None => {}
    }
    if let Some(text) = &req.text {
        parts.push(format!("q={}", text.replace(' ', "+")));
    }
    for (group, values) in &req.filters {
        parts.push(format!("{group}={}", values.join(",")));
    }
    if req.include_unknown {
        parts.push("include_unknown=true".into());
    }
    if req.page > 1 {
        parts.push(format!("page={}", req.page));
    }
    parts.join("&")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn get_ok(port: u16, path: &str) -> bool {
    use std::io::Read;
    let Ok(mut conn) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if conn.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut out = String::new();
    conn.read_to_string(&mut out).is_ok() && out.starts_with("HTTP/1.1 200")
}

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    errors: u64,
    non2xx: u64,
}

fn wrk(port: u16, paths: &Path, seconds: u64, lua: &Path) -> Figures {
    let out = Command::new("wrk")
        .args(["-t", "2", "-c", "64", "-d", &format!("{seconds}s"), "--timeout", "5s", "-s"])
        .arg(lua)
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--")
        .arg(paths)
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT ")).unwrap_or_else(|| {
        panic!("wrk printed no RESULT line:\n{text}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let mut f = Figures::default();
    for kv in line.split_whitespace().skip(1) {
        let Some((k, v)) = kv.split_once('=') else { continue };
        let n: f64 = v.parse().unwrap_or(f64::NAN);
        match k {
            "rps" => f.rps = n,
            "p50_ms" => f.p50_ms = n,
            "p99_ms" => f.p99_ms = n,
            "requests" => f.requests = n as u64,
            "errors" => f.errors = n as u64,
            "non2xx" => f.non2xx = n as u64,
            _ => {}
        }
    }
    f
}

/// The same workload in this process, one thread, no HTTP: the index alone, then the whole web
/// path (parse, geocode, search, shape and serialise the JSON). Attributes the cost per search.
fn in_process(index_dir: &Path, data: &Path, queries: &[String]) {
    let index = iop_index::Index::open(index_dir).expect("the index opens");
    let geo = iop_geo::Geocoder::load(data).expect("the geocoder loads");
    let parsed: Vec<_> = queries
        .iter()
        .map(|q| {
            let p = iop_web::params::parse_query(Some(q)).expect("workload queries are valid");
            let (req, _) = iop_web::params::resolve(&p, &geo).expect("workload places exist");
            req
        })
        .collect();
    let per_query = |t: Instant| t.elapsed().as_secs_f64() * 1000.0 / queries.len() as f64;
    let (mut index_ms, mut full_ms, mut bytes) = (f64::MAX, f64::MAX, 0);
    for _ in 0..3 {
        let t = Instant::now();
        for req in &parsed {
            std::hint::black_box(index.search(req).expect("search"));
        }
        index_ms = index_ms.min(per_query(t));
        let t = Instant::now();
        bytes = 0;
        for q in queries {
            let started = Instant::now();
            let p = iop_web::params::parse_query(Some(q)).expect("valid");
            let (request, place) = iop_web::params::resolve(&p, &geo).expect("found");
            let results = index.search(&request).expect("search");
            let took_ms = started.elapsed().as_secs_f64() * 1000.0;
            let searched = iop_web::Searched { request, place, results, took_ms };
            let body = serde_json::to_vec(&iop_web::api::SearchResponse::new(&p, searched))
                .expect("serialises");
            bytes += body.len();
        }
        full_ms = full_ms.min(per_query(t));
    }
    println!(
        "in-process, one thread: index {index_ms:.3} ms/search, whole JSON path {full_ms:.3} \
         ms/search (web layer {:.3} ms), {} bytes of JSON per answer",
        full_ms - index_ms,
        bytes / queries.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; our own arguments are plain numbers.
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(20_000);
    let seconds = args.get(1).copied().unwrap_or(10);

    if Command::new("wrk").arg("--version").output().is_err() {
        println!("load: skipped, `wrk` is not installed (apt-get install wrk)");
        return;
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    // target/release/deps/load-HASH -> target/release/iop
    let iop: PathBuf = std::env::var_os("IOP_BIN").map(PathBuf::from).unwrap_or_else(|| {
        exe.parent().and_then(Path::parent).expect("target/release").join("iop")
    });
    if !iop.is_file() {
        println!(
            "load: skipped, {} is missing: run `cargo build --release --bin iop` first (or \
             crates/web/scripts/load.sh, which does)",
            iop.display()
        );
        return;
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let lua = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/load.lua");
    // IOP_LOAD_DIR keeps the index and the request lists (for profiling); else a tempdir.
    let tmp = tempfile::tempdir().expect("tempdir");
    let work_dir =
        std::env::var_os("IOP_LOAD_DIR").map_or_else(|| tmp.path().to_owned(), PathBuf::from);
    std::fs::create_dir_all(&work_dir).expect("work dir");
    let index_dir = work_dir.join("index");

    let t = Instant::now();
    let stats = iop_index::build(&index_dir, Synth::new(7).listings(n), &mut |_| {})
        .expect("the synthetic index builds");
    println!(
        "index: {n} synthetic listings, {:.1} MB, built in {:.1} s",
        stats.size_bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // The fixed workload, as query strings.
    let zips = synth::zips();
    let queries: Vec<String> =
        workload(11, &zips, 100).iter().map(|(_, r)| query_string(r)).collect();
    let write_paths = |name: &str, prefix: &str| {
        let path = work_dir.join(name);
        let mut f = std::fs::File::create(&path).expect("paths file");
        for q in &queries {
            writeln!(f, "{prefix}{q}").expect("write paths");
        }
        path
    };
    let api_paths = write_paths("api.txt", "/api/v1/search?");
    let html_paths = write_paths("html.txt", "/?");
    let health_paths = work_dir.join("health.txt");
    std::fs::write(&health_paths, "/healthz\n").expect("write paths");

    in_process(&index_dir, &data, &queries);

    // Two servers on the same index: the product as shipped (with its cache of recent answers,
    // which the warm-up fills: the workload cycles through its searches) and the same with
    // `--cache-mb 0`, where every search is computed: the cost of a search nobody made before.
    let start = |cache_mb: &str| {
        let port = free_port();
        let server = Server(
            Command::new(&iop)
                .args(["serve", "--index"])
                .arg(&index_dir)
                .args(["--addr", &format!("127.0.0.1:{port}"), "--cache-mb", cache_mb, "--data"])
                .arg(&data)
                .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("iop serve starts"),
        );
        let ready = Instant::now();
        while !get_ok(port, "/healthz") {
            assert!(ready.elapsed() < Duration::from_secs(60), "iop serve did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        // Every query of the workload answers 200 before anything is timed.
        for q in &queries {
            assert!(get_ok(port, &format!("/api/v1/search?{q}")), "not 200: /api/v1/search?{q}");
        }
        (server, port)
    };
    let (cached, port) = start("64");
    let (uncached, cold_port) = start("0");

    let mut rows = Vec::new();
    for (name, port, paths) in [
        ("GET /healthz", port, &health_paths),
        ("GET /api/v1/search", port, &api_paths),
        ("GET /?... (HTML)", port, &html_paths),
        ("search, no cache", cold_port, &api_paths),
        ("HTML, no cache", cold_port, &html_paths),
    ] {
        // A short warm-up so page-cache and allocator effects do not land in the figures.
        wrk(port, paths, 2, &lua);
        let f = wrk(port, paths, seconds, &lua);
        rows.push((name, f));
    }
    drop((cached, uncached));

    println!(
        "\nwrk, 2 threads, 64 connections, {seconds} s per target, {} distinct searches",
        queries.len()
    );
    println!(
        "{:<22} {:>12} {:>10} {:>10} {:>10} {:>8}",
        "target", "requests/s", "p50 ms", "p99 ms", "requests", "errors"
    );
    for (name, f) in &rows {
        println!(
            "{name:<22} {:>12.0} {:>10.2} {:>10.2} {:>10} {:>8}",
            f.rps,
            f.p50_ms,
            f.p99_ms,
            f.requests,
            f.errors + f.non2xx
        );
    }
    let health = rows[0].1.rps;
    let (api, html, cold) = (rows[1].1, rows[2].1, rows[3].1);
    println!(
        "\nJSON search / healthz = {:.2} (target >= 0.33); JSON search p99 = {:.2} ms (target < 10); \
         HTML / healthz = {:.2}; uncached JSON search / healthz = {:.2}, p99 {:.2} ms",
        api.rps / health,
        api.p99_ms,
        html.rps / health,
        cold.rps / health,
        cold.p99_ms
    );
}
