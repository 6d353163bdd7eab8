//! Generations and the live index: swapping, keeping the previous generation, lookups by id,
//! stats, and builds that fail on bad input without touching what is serving.

mod common;

use common::*;
use iop_core::Group;
use iop_index::{Error, Index, LiveIndex, SCHEMA_VERSION, is_usable};

fn generations(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    out.sort();
    out
}

#[test]
fn refresh_swaps_in_a_new_generation_and_old_searches_keep_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("v1", "First")]);
    let live = LiveIndex::open(dir.path()).expect("open");
    assert!(!live.refresh().expect("refresh"), "nothing new yet");
    let old = live.current();
    assert_eq!(ids(&old.search(&request()).expect("search")), ["v1"]);

    build(dir.path(), vec![listing("v2", "Second")]);
    assert!(live.refresh().expect("refresh"));
    assert_eq!(ids(&live.current().search(&request()).expect("search")), ["v2"]);
    // Two more builds delete the first generation's files; the old Arc still answers.
    build(dir.path(), vec![listing("v3", "Third")]);
    build(dir.path(), vec![listing("v4", "Fourth")]);
    assert!(!generations(dir.path()).contains(&old.generation().to_owned()));
    assert_eq!(ids(&old.search(&request()).expect("search")), ["v1"]);
    assert_eq!(old.get("v1").expect("get").map(|l| l.name), Some("First".to_owned()));
    assert!(live.refresh().expect("refresh"));
    assert_eq!(ids(&live.current().search(&request()).expect("search")), ["v4"]);
}

#[test]
fn the_index_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Index>();
    send_sync::<LiveIndex>();
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("t", "Threads")]);
    let live = std::sync::Arc::new(LiveIndex::open(dir.path()).expect("open"));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let live = std::sync::Arc::clone(&live);
            std::thread::spawn(move || live.current().search(&request()).expect("search").total)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), 1);
    }
}

#[test]
fn a_build_keeps_the_previous_generation_and_deletes_older_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..4 {
        build(dir.path(), vec![listing(&format!("x{i}"), "X")]);
    }
    assert_eq!(generations(dir.path()), ["gen-000003", "gen-000004"]);
    let current = std::fs::read_to_string(dir.path().join("CURRENT")).expect("CURRENT");
    assert_eq!(current.trim(), "gen-000004");
}

/// A build of nothing (the library allows it; `iop index` refuses it as bad input) opens, with
/// an empty id dictionary, and finds nothing.
#[test]
fn an_empty_generation_opens_and_finds_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(dir.path(), Vec::new());
    assert_eq!(index.stats().listings, 0);
    assert_eq!(index.search(&request()).expect("search").total, 0);
    assert_eq!(index.get("a").expect("get"), None);
}

#[test]
fn get_and_get_many_return_listings_as_indexed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = known(at(listing("a", "Alpha"), 38.0, -78.0), Group::Level, &["iop"]);
    let b = described(listing("b", "Beta"), "Evenings");
    let index = build(dir.path(), vec![a.clone(), b.clone()]);
    assert_eq!(index.get("a").expect("get"), Some(a.clone()));
    assert_eq!(index.get("nope").expect("get"), None);
    assert_eq!(index.get_many(&["b", "nope", "a"]).expect("get_many"), vec![b, a]);
}

#[test]
fn stats_describe_the_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut calls = Vec::new();
    let corpus: Vec<_> = (0..2500).map(|i| listing(&format!("s{i}"), "Stat")).collect();
    let stats = iop_index::build(dir.path(), corpus, &mut |p| calls.push((p.stage, p.done)))
        .expect("build");
    use iop_index::Stage::{Done, Finishing, Reading, Writing};
    assert_eq!(
        calls,
        [
            (Reading, 1000),
            (Reading, 2000),
            (Writing, 1000),
            (Writing, 2000),
            (Finishing, 2500),
            (Done, 2500)
        ],
        "every thousand listings of each stage, then the last stage and the end"
    );
    assert_eq!(stats.listings, 2500);
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert!(stats.size_bytes > 10_000, "{}", stats.size_bytes);
    assert!(stats.build_seconds > 0.0);
    assert_eq!(stats.built_at.len(), "2026-01-01T00:00:00Z".len());
    assert!(stats.built_at.ends_with('Z'));
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.stats(), &stats);
}

#[test]
fn a_bad_listing_fails_the_build_and_keeps_what_is_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("keep", "Kept")]);
    let dup = vec![listing("d", "One"), listing("e", "Two"), listing("d", "Three")];
    let e = iop_index::build(dir.path(), dup, &mut |_| {}).expect_err("duplicate id");
    assert!(matches!(e, Error::Listing { number: 3, .. }), "{e:?}");
    assert_eq!(e.to_string(), r#"listing 3 ("d"): the same id appears twice"#);

    let bad = vec![at(listing("far", "Far"), 95.0, 0.0)];
    let e = iop_index::build(dir.path(), bad, &mut |_| {}).expect_err("bad latitude");
    assert!(e.to_string().contains("latitude 95 is not between -90 and 90"), "{e}");
    let e = iop_index::build(dir.path(), vec![listing(" ", "Blank")], &mut |_| {})
        .expect_err("blank id");
    assert!(e.to_string().contains("the id is empty"), "{e}");

    // Listings are turned into documents by batches on two threads: whichever comes first in
    // the input is the error reported, a bad listing or a repeated id, near or far apart.
    let many = |bad_at: usize, repeat_at: usize| {
        (0..1000)
            .map(|i| match i {
                _ if i == bad_at => at(listing(&format!("l{i}"), "Bad"), 95.0, 0.0),
                _ if i == repeat_at => listing("l3", "Again"),
                _ => listing(&format!("l{i}"), "Fine"),
            })
            .collect::<Vec<_>>()
    };
    for (bad_at, repeat_at, first) in [(150, 700, 151), (700, 150, 151), (400, 401, 401)] {
        let e = iop_index::build(dir.path(), many(bad_at, repeat_at), &mut |_| {})
            .expect_err("a bad listing");
        assert!(matches!(e, Error::Listing { number, .. } if number == first), "{e:?}");
        let why = if first == bad_at as u64 + 1 { "latitude 95" } else { "appears twice" };
        assert!(e.to_string().contains(why), "{bad_at} {repeat_at}: {e}");
    }
    // Listings read as the build goes: a read error stops it, after the errors before it.
    let unreadable = "input.jsonl line 501: not a listing".to_string();
    for bad_at in [None, Some(450)] {
        let input = many(bad_at.unwrap_or(usize::MAX), usize::MAX)
            .into_iter()
            .take(500)
            .map(Ok)
            .chain([Err(unreadable.clone()), Ok(listing("after", "After"))]);
        let e = iop_index::try_build(dir.path(), input, &mut |_| {}).expect_err("unreadable");
        match bad_at {
            None => assert!(matches!(&e, Error::Input(m) if *m == unreadable), "{e:?}"),
            Some(_) => assert!(matches!(e, Error::Listing { number: 451, .. }), "{e:?}"),
        }
    }

    // Nothing changed, and no unfinished build is left behind.
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(ids(&index.search(&request()).expect("search")), ["keep"]);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_directory_without_an_index_says_how_to_make_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(!is_usable(dir.path()));
    assert!(!is_usable(&dir.path().join("does-not-exist")));
    let e = Index::open(dir.path()).expect_err("empty");
    assert!(matches!(e, Error::Missing(_)));
    assert!(e.to_string().contains("iop index"), "{e}");
    assert!(LiveIndex::open(dir.path()).is_err());
    build(dir.path(), vec![listing("x", "X")]);
    assert!(is_usable(dir.path()));
}

#[test]
fn an_empty_build_is_a_valid_empty_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(dir.path(), vec![]);
    let r = index.search(&text("anything")).expect("search");
    assert_eq!(r.total, 0);
    assert_eq!(r.facets.len(), Group::ALL.len());
    assert!(r.facets.values().all(|f| f.unknown == 0 && f.values.values().all(|n| *n == 0)));
}

#[test]
fn several_segments_answer_like_one() {
    let corpus: Vec<_> = (0..35)
        .map(|i| at(listing(&format!("m{:02}", 34 - i), &format!("Name {}", i % 4)), 38.0, -78.0))
        .collect();
    let one = tempfile::tempdir().expect("tempdir");
    let many = tempfile::tempdir().expect("tempdir");
    let single = build(one.path(), corpus.clone());
    iop_index::build_in_segments(many.path(), corpus.clone(), 10).expect("build");
    let current = std::fs::read_to_string(many.path().join("CURRENT")).expect("CURRENT");
    let stores = std::fs::read_dir(many.path().join(current.trim()))
        .expect("read_dir")
        .filter(|e| e.as_ref().expect("entry").path().extension().is_some_and(|x| x == "store"))
        .count();
    assert!(stores >= 3, "{stores} segments");
    let split = Index::open(many.path()).expect("open");
    // Two halves written on two threads, then merged into one segment.
    let halves = tempfile::tempdir().expect("tempdir");
    iop_index::build_in_halves(halves.path(), corpus.clone()).expect("build");
    let merged = Index::open(halves.path()).expect("open");
    for l in &corpus {
        assert_eq!(split.get(&l.id).expect("get").as_ref(), Some(l), "{}", l.id);
    }
    assert_eq!(split.get("m35").expect("get"), None);
    assert_eq!(split.get("").expect("get"), None);
    for sort in [iop_core::search::Sort::Name, iop_core::search::Sort::Distance] {
        for (page, per_page) in [(1, 100), (2, 7), (5, 7)] {
            let mut req = request();
            req.area = radius(38.0, -78.0, 1000.0, None);
            req.sort = sort;
            req.page = page;
            req.per_page = per_page;
            let a = single.search(&req).expect("search");
            for other in [&split, &merged] {
                let b = other.search(&req).expect("search");
                assert_eq!(ids(&a), ids(&b), "{sort:?} page {page}");
                assert_eq!(a.total, b.total);
                assert_eq!(a.facets, b.facets);
            }
        }
    }
}
