//! Search latency per workload class on 20,000 synthetic listings (criterion).
//!
//! `cargo bench -p iop-index --bench search`. Each iteration runs the next query of its class
//! from a fixed seeded workload (facets included, as in every search). For percentiles and the
//! million-listing run, see `examples/bench_scale.rs`.

#[path = "support/synth.rs"]
mod synth;

/// The allocator of the `iop` binary, so that these figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iop_index::Index;
use synth::{Class, Synth, workload};

const LISTINGS: u64 = 20_000;

fn search(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let synth = Synth::new(7);
    let zips = synth.zips().to_vec();
    iop_index::build(dir.path(), synth.listings(LISTINGS), &mut |_| {}).expect("build");
    let index = Index::open(dir.path()).expect("open");
    let queries = workload(11, &zips, 200);

    let mut group = c.benchmark_group("search_20k");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for class in Class::ALL {
        let mine: Vec<_> = queries.iter().filter(|(k, _)| *k == class).map(|(_, q)| q).collect();
        let mut i = 0;
        group.bench_function(class.name(), |b| {
            b.iter(|| {
                i = (i + 1) % mine.len();
                black_box(index.search(mine[i]).expect("search"))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("build");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    // The listings are generated once and cloned before each run, outside the measured time:
    // what is measured is the index's build, not this benchmark's generator.
    let listings: Vec<_> = Synth::new(7).listings(LISTINGS).collect();
    group.throughput(Throughput::Elements(LISTINGS));
    group.bench_function("build_20k", |b| {
        b.iter_batched(
            || listings.clone(),
            |listings| {
                let d = tempfile::tempdir().expect("tempdir");
                let stats = iop_index::build(d.path(), listings, &mut |_| {}).expect("build");
                // Returned, so that removing the index is not timed.
                (d, stats)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
