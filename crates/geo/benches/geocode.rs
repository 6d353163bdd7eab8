//! Lookup speed on the shipped data: `cargo bench -p iop-geo`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use iop_geo::Geocoder;
use iop_geo::map::{StateOutlines, albers_usa};

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn lookups(c: &mut Criterion) {
    let g = Geocoder::load(&data_dir()).expect("the shipped data loads");
    c.bench_function("zip 22902", |b| b.iter(|| g.zip(black_box("22902"))));
    c.bench_function("zip_state 22902", |b| b.iter(|| g.zip_state(black_box("22902"))));
    c.bench_function("city Charlottesville VA", |b| {
        b.iter(|| g.city(black_box("Charlottesville"), black_box("VA")))
    });
    c.bench_function("geocode \"Charlottesville, VA\"", |b| {
        b.iter(|| g.geocode(black_box("Charlottesville, VA")))
    });
    c.bench_function("geocode \"38.03,-78.48\"", |b| {
        b.iter(|| g.geocode(black_box("38.03,-78.48")))
    });
    c.bench_function("state_at Charlottesville VA", |b| {
        b.iter(|| g.state_at(black_box(38.0293), black_box(-78.4767)))
    });
    c.bench_function("state_at Anchorage AK", |b| {
        b.iter(|| g.state_at(black_box(61.2181), black_box(-149.9003)))
    });
    c.bench_function("state_at mid-Atlantic (none)", |b| {
        b.iter(|| g.state_at(black_box(35.0), black_box(-40.0)))
    });
    c.bench_function("in_us 2 km off Miami Beach", |b| {
        b.iter(|| g.in_us(black_box(25.79), black_box(-80.11)))
    });
    c.bench_function("suggest \"Charlotesville, VA\"", |b| {
        b.iter(|| g.suggest(black_box("Charlotesville, VA"), 5))
    });
    c.bench_function("geocode \"Springfeld\" (not found, no state)", |b| {
        b.iter(|| g.geocode(black_box("Springfeld")))
    });
    c.bench_function("albers_usa Miami", |b| {
        b.iter(|| albers_usa(black_box(25.76), black_box(-80.19)))
    });
}

fn loading(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("Geocoder::load", |b| b.iter(|| Geocoder::load(&data_dir())));
    group.bench_function("StateOutlines::load", |b| b.iter(|| StateOutlines::load(&data_dir())));
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the machine has two cores shared with other builds.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = lookups, loading
}
criterion_main!(benches);
