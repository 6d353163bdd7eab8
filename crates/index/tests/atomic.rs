//! Killed builds: a build process is killed (SIGKILL) at various moments; the previous generation
//! must still open and serve, and a half-built generation must never be picked up. Also: an
//! index of another schema version or vocabulary is refused with the rebuild message.
//!
//! This binary has its own `main` (`harness = false`): run with `IOP_ATOMIC_CHILD_DIR` set, it
//! is the child that builds an index until it is killed; otherwise it runs the checks below,
//! spawning itself as the child.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::*;
use iop_core::{Group, Listing};
use iop_index::{Error, Index, LiveIndex, is_usable};

const CHILD_DIR: &str = "IOP_ATOMIC_CHILD_DIR";
const CHILD_COUNT: &str = "IOP_ATOMIC_CHILD_COUNT";
const CHILD_MARKER: &str = "IOP_ATOMIC_CHILD_MARKER";
/// Set: the child writes the two halves of the index on two threads and merges them, as a
/// large build does.
const CHILD_HALVES: &str = "IOP_ATOMIC_CHILD_HALVES";

/// Listings made on the fly, so the child can index far more than it holds in memory.
fn generated(n: u64) -> impl Iterator<Item = Listing> {
    (0..n).map(|i| {
        let l = listing(&format!("big-{i:08}"), &format!("Generated Program {i}"));
        let l = described(l, "Intensive outpatient treatment with evening groups");
        let l = known(l, Group::Level, &["iop", "op"]);
        at(l, 30.0 + (i % 1000) as f64 * 0.01, -100.0 + (i / 1000 % 1000) as f64 * 0.01)
    })
}

/// The child: build `count` listings into `dir`, touching `marker` once 2,000 are in.
fn child(dir: &Path) {
    let count: u64 = std::env::var(CHILD_COUNT).ok().and_then(|c| c.parse().ok()).unwrap_or(1);
    let marker = std::env::var(CHILD_MARKER).ok().map(PathBuf::from);
    if std::env::var_os(CHILD_HALVES).is_some() {
        iop_index::build_in_halves(dir, generated(count)).expect("child build");
        return;
    }
    let mut marked = false;
    iop_index::build(dir, generated(count), &mut |p| {
        if p.done >= 2000 && !marked {
            if let Some(m) = &marker {
                std::fs::write(m, b"started").expect("marker");
            }
            marked = true;
        }
    })
    .expect("child build");
}

fn spawn_child(dir: &Path, count: u64, marker: &Path) -> Child {
    spawn_child_with(dir, count, marker, false)
}

fn spawn_child_with(dir: &Path, count: u64, marker: &Path, halves: bool) -> Child {
    let mut command = Command::new(std::env::current_exe().expect("current_exe"));
    command.env(CHILD_DIR, dir).env(CHILD_COUNT, count.to_string()).env(CHILD_MARKER, marker);
    if halves {
        command.env(CHILD_HALVES, "1");
    }
    command.spawn().expect("spawn child build")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn current(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("CURRENT")).expect("CURRENT").trim().to_owned()
}

/// The previous generation serves exactly what it held.
fn serves_previous(dir: &Path, expected_ids: &[&str]) {
    assert!(is_usable(dir), "usable after the kill: {:?}", entries(dir));
    let index = Index::open(dir).expect("the previous generation opens");
    let r = index.search(&request()).expect("and serves");
    assert_eq!(ids(&r), expected_ids);
}

fn killed_mid_build_leaves_the_previous_generation_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("old-a", "Old A"), listing("old-b", "Old B")]);
    let live = LiveIndex::open(dir.path()).expect("live");
    let marker = dir.path().join("child-started");
    let mut child = spawn_child(dir.path(), 5_000_000, &marker);
    let started = Instant::now();
    while !marker.exists() {
        assert!(started.elapsed() < Duration::from_secs(120), "the child never got going");
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("the child exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill");
    child.wait().expect("wait");

    assert_eq!(current(dir.path()), "gen-000001");
    let names = entries(dir.path());
    let half: Vec<&String> = names.iter().filter(|n| n.ends_with(".tmp")).collect();
    assert_eq!(half.len(), 1, "the killed build left its directory: {names:?}");
    assert!(half[0].starts_with("gen-000002."), "{names:?}");
    serves_previous(dir.path(), &["old-a", "old-b"]);
    assert!(!live.refresh().expect("refresh"), "nothing new to swap in");
    assert_eq!(ids(&live.current().search(&request()).expect("search")), ["old-a", "old-b"]);

    // The next build removes the dead build's directory (its number is free again) and goes
    // live.
    build(dir.path(), vec![listing("new", "New")]);
    let names = entries(dir.path());
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    assert_eq!(current(dir.path()), "gen-000002");
    assert!(live.refresh().expect("refresh"));
    assert_eq!(ids(&live.current().search(&request()).expect("search")), ["new"]);
}

/// Kills builds of a small index at moments spread over its whole run (indexing, commit,
/// merge, rename, swap): each time either the old or the complete new generation is current.
/// Then the same for builds that write their two halves on two threads and merge them.
fn killed_at_any_moment_never_exposes_a_partial_generation() {
    for halves in [false, true] {
        killed_at_any_moment(halves);
    }
}

fn killed_at_any_moment(halves: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("old", "Old")]);
    let count = 6_000;
    // One full run to learn how long a build takes here.
    let marker = dir.path().join("m");
    let t = Instant::now();
    let status = spawn_child_with(dir.path(), count, &marker, halves).wait().expect("wait");
    assert!(status.success());
    let full = t.elapsed();
    assert_eq!(current(dir.path()), "gen-000002");
    let new_ids = {
        let index = Index::open(dir.path()).expect("open");
        index.search(&request()).expect("search").total
    };
    assert_eq!(new_ids, count);

    for step in 1..=8u32 {
        let before = current(dir.path());
        let mut child = spawn_child_with(dir.path(), count, &marker, halves);
        std::thread::sleep(full * step / 8);
        let _ = child.kill();
        child.wait().expect("wait");
        let now = current(dir.path());
        assert!(!now.contains(".tmp"), "CURRENT never names a build in progress: {now}");
        let index = Index::open(dir.path()).expect("whatever is current opens");
        let total = index.search(&request()).expect("and serves").total;
        assert_eq!(total, count, "a complete generation ({before} -> {now}, halves: {halves})");
    }
}

fn another_schema_version_is_refused_with_the_rebuild_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("x", "X")]);
    let meta_path = dir.path().join(current(dir.path())).join("generation.json");
    let original = std::fs::read_to_string(&meta_path).expect("meta");
    let mut meta: serde_json::Value = serde_json::from_str(&original).expect("json");
    meta["schema_version"] = serde_json::json!(0);
    std::fs::write(&meta_path, meta.to_string()).expect("write");

    assert!(!is_usable(dir.path()));
    let e = Index::open(dir.path()).expect_err("old schema");
    assert!(matches!(e, Error::SchemaVersion { found: 0, .. }), "{e:?}");
    assert!(e.to_string().ends_with("rebuild it with `iop index`"), "{e}");
    assert!(LiveIndex::open(dir.path()).is_err());

    let mut meta: serde_json::Value = serde_json::from_str(&original).expect("json");
    meta["vocabulary"] = serde_json::json!("0000000000000000");
    std::fs::write(&meta_path, meta.to_string()).expect("write");
    let e = Index::open(dir.path()).expect_err("other vocabulary");
    assert!(matches!(e, Error::Vocabulary { .. }), "{e:?}");
    assert!(e.to_string().ends_with("rebuild it with `iop index`"), "{e}");

    // A rebuild fixes it.
    build(dir.path(), vec![listing("y", "Y")]);
    assert!(is_usable(dir.path()));
}

fn current_never_points_at_a_build_in_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    build(dir.path(), vec![listing("x", "X")]);
    let fake = "gen-000009.1.tmp";
    std::fs::create_dir(dir.path().join(fake)).expect("mkdir");
    std::fs::write(dir.path().join("CURRENT"), format!("{fake}\n")).expect("write");
    assert!(!is_usable(dir.path()));
    let e = Index::open(dir.path()).expect_err("a .tmp name is no generation");
    assert!(e.to_string().contains("not an index generation"), "{e}");
    // A generation directory without its metadata (never produced by a build) is refused too.
    std::fs::create_dir(dir.path().join("gen-000010")).expect("mkdir");
    std::fs::write(dir.path().join("CURRENT"), "gen-000010\n").expect("write");
    assert!(!is_usable(dir.path()));
    assert!(Index::open(dir.path()).is_err());
}

fn main() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        child(Path::new(&dir));
        return;
    }
    let tests: [(&str, fn()); 4] = [
        (
            "killed_mid_build_leaves_the_previous_generation_serving",
            killed_mid_build_leaves_the_previous_generation_serving,
        ),
        (
            "killed_at_any_moment_never_exposes_a_partial_generation",
            killed_at_any_moment_never_exposes_a_partial_generation,
        ),
        (
            "another_schema_version_is_refused_with_the_rebuild_message",
            another_schema_version_is_refused_with_the_rebuild_message,
        ),
        (
            "current_never_points_at_a_build_in_progress",
            current_never_points_at_a_build_in_progress,
        ),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut ran = 0;
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        print!("test {name} ... ");
        test();
        println!("ok");
        ran += 1;
    }
    println!("\ntest result: ok. {ran} passed");
}
