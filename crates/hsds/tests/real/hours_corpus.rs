//! The hours parser over every distinct hours text of both real directories.

use iop_hsds::hours::{Coverage, HoursOptions, parse_hours};

use crate::util;

struct Tally {
    full: usize,
    partial: usize,
    none: usize,
}

fn tally(name: &str, texts: &std::collections::BTreeSet<String>) -> Tally {
    let mut t = Tally { full: 0, partial: 0, none: 0 };
    for text in texts {
        let p = parse_hours(text, HoursOptions::default());
        for s in &p.sessions {
            let (a, b) = (s.start_minutes().unwrap(), s.end_minutes().unwrap());
            assert!(a < 24 * 60 && b <= 24 * 60 && a != b, "{text:?}: {s:?}");
            assert!(!s.days.is_empty(), "{text:?}: {s:?}");
        }
        match p.coverage() {
            Coverage::Full => t.full += 1,
            Coverage::Partial => {
                t.partial += 1;
                eprintln!("{name} partial: {text:?}\n    unparsed: {:?}", p.unparsed);
            }
            Coverage::None => {
                t.none += 1;
                eprintln!("{name} none: {text:?}");
            }
        }
    }
    eprintln!(
        "{name}: {} distinct texts: {} fully parsed, {} partly, {} not at all",
        texts.len(),
        t.full,
        t.partial,
        t.none
    );
    t
}

#[test]
fn miami_corpus() {
    let texts = util::miami_hours_texts();
    assert!(texts.len() > 500, "the Miami export has 544 distinct hours texts");
    let t = tally("miami", &texts);
    let n = texts.len() as f64;
    // Measured: 471 of 544 fully (86.6%), 60 partly, 13 not at all. What is left is mostly
    // not weekly (dates, seasons, "every 3rd Saturday", single start times) or prose.
    assert!(t.full as f64 / n >= 0.86, "fully parsed {} of {}", t.full, texts.len());
    assert!((t.full + t.partial) as f64 / n >= 0.97, "some sessions for {}", t.full + t.partial);
}

#[test]
fn ohana_corpus() {
    let texts = util::ohana_hours_texts();
    assert!(texts.len() > 500, "the Ohana export has 529 distinct hours texts");
    let t = tally("ohana", &texts);
    let n = texts.len() as f64;
    // Measured: 366 of 529 fully (69.2%), 60 partly, 103 not at all; Ohana has much prose
    // ("Vary", "By arrangement", "May - October Saturday ...").
    assert!(t.full as f64 / n >= 0.69, "fully parsed {} of {}", t.full, texts.len());
    assert!((t.full + t.partial) as f64 / n >= 0.80, "some sessions for {}", t.full + t.partial);
}
