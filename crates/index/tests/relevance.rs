//! Relevance: tiny hand-written corpora, one comment per document saying why it is there, and
//! the ranked ids pinned. The traps: a typo must still find the drug, a brand name must find the
//! generic, a half-typed word must find the whole one, every word must match, the name counts
//! more than the body, and near beats far when relevance is blended with distance.

mod common;

use common::*;
use iop_core::search::Sort;
use iop_core::{Group, Listing};

#[test]
fn typo_in_a_long_word_still_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // The word is in the description: found through one swapped pair of letters.
            described(listing("a-body", "Valley Clinic"), "We prescribe buprenorphine."),
            // Only the medication value says it: found through its label "Buprenorphine".
            known(listing("b-label", "Hill Center"), Group::Medication, &["buprenorphine"]),
            // The drug is in the name: ranks first (name boost).
            listing("c-name", "Buprenorphine Access Point"),
            // Another medication: must not match.
            known(listing("d-other", "Methadone Services"), Group::Medication, &["methadone"]),
        ],
    );
    let r = index.search(&text("bupernorphine ")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["c-name", "a-body", "b-label"]"#);
    assert_eq!(r.total, 3);
    assert_eq!(r.hits[0].matched.text, ["bupernorphine→buprenorphine"]);
}

#[test]
fn a_brand_name_finds_the_generic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // Says "Suboxone" itself, in the name: the literal match ranks first.
            listing("a-brand", "Suboxone Clinic of Ivy"),
            // Says "buprenorphine" in the body: found through the synonym.
            described(listing("b-generic", "Ivy Recovery"), "Office-based buprenorphine."),
            // Only the medication value, whose label "Buprenorphine (Suboxone)" says the word
            // literally: ranks above the synonym-only match.
            known(listing("c-value", "Rivanna House"), Group::Medication, &["buprenorphine"]),
            // Naltrexone only: a different drug, must not match.
            known(listing("d-naltrexone", "Pine Lodge"), Group::Medication, &["naltrexone"]),
        ],
    );
    let r = index.search(&text("suboxone ")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["a-brand", "c-value", "b-generic"]"#);
    let via: Vec<_> = r.hits.iter().map(|h| h.matched.text.join(",")).collect();
    insta::assert_snapshot!(format!("{via:?}"), @r#"["suboxone", "suboxone", "suboxone→buprenorphine"]"#);
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // "Intensive" in the name.
            listing("a-name", "Intensive Outpatient Program of Ivy"),
            // Level iop: its label "Intensive outpatient (IOP)".
            known(listing("b-level", "Ridge Clinic"), Group::Level, &["iop"]),
            // "Intense" is one letter from "intens": found as a typo too, typing or not.
            described(listing("c-intense", "Valley House"), "An intense schedule."),
            // Outpatient only: no word starting with "intens".
            known(listing("d-op", "Town Clinic"), Group::Level, &["op"]),
        ],
    );
    let typing = index.search(&text("intens")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&typing)), @r#"["a-name", "c-intense", "b-level"]"#);
    assert_eq!(typing.hits[0].matched.text, ["intens→intensive"]);
    // A trailing space ends the word: no prefix, only the typo match is left.
    let done = index.search(&text("intens ")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&done)), @r#"["c-intense"]"#);
}

#[test]
fn every_word_must_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evening = |l| schedule(l, &["evening"]);
    let index = build(
        dir.path(),
        vec![
            // Evening and Spanish: the only full match.
            known(evening(listing("a-both", "Casa Clinic")), Group::Language, &["en", "es"]),
            // Evening only.
            evening(listing("b-evening", "Night Program")),
            // Spanish only.
            known(listing("c-spanish", "Centro Hispano"), Group::Language, &["es"]),
        ],
    );
    let r = index.search(&text("evening spanish")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["a-both"]"#);
    // Spanish words reach the same values through the Spanish labels; "de" is a stop word.
    let r = index.search(&text("tarde-noche en español")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["a-both"]"#);
}

#[test]
fn a_match_in_the_name_outranks_one_in_the_body() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // The word only in a long description.
            described(
                listing("a-body", "Blue Ridge Services"),
                "Counseling, case management and recovery support for adults and families.",
            ),
            // The word in the name.
            listing("b-name", "Recovery Works"),
            // The word in a service name (body).
            Listing { services: vec!["Recovery coaching".into()], ..listing("c-service", "Elm") },
        ],
    );
    let r = index.search(&text("recovery")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["b-name", "c-service", "a-body"]"#);
}

#[test]
fn relevance_near_a_point_blends_in_distance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (lat, lon) = (38.03, -78.48); // Charlottesville
    let index = build(
        dir.path(),
        vec![
            // Strong match (name), 20 miles away.
            at(listing("a-far-name", "Counseling Center"), 38.32, -78.48),
            // Weak match (body), half a mile away.
            at(described(listing("b-near-body", "Main St Clinic"), "counseling"), 38.035, -78.48),
            // Strong match (name), half a mile away: first whatever the blend.
            at(listing("c-near-name", "Counseling Associates"), 38.03, -78.475),
        ],
    );
    let mut req = text("counseling");
    req.area = radius(lat, lon, 50_000.0, None);
    req.sort = Sort::Relevance;
    let r = index.search(&req).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["c-near-name", "b-near-body", "a-far-name"]"#);
    // Without the point, the name match far away beats the body match nearby.
    let r = index.search(&text("counseling")).expect("search");
    assert_eq!(ids(&r)[2], "b-near-body");
    // The default with a point is distance.
    req.sort = Sort::Auto;
    let r = index.search(&req).expect("search");
    assert_eq!(ids(&r), ["c-near-name", "b-near-body", "a-far-name"]);
    assert!(r.hits.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
}

#[test]
fn multiword_synonyms_and_abbreviations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // Population value co_occurring: label "Co-occurring mental health".
            known(listing("a-cooc", "Harbor Clinic"), Group::Population, &["co_occurring"]),
            // Says "dual diagnosis" in its description, literally.
            described(listing("b-literal", "Bay Center"), "Dual diagnosis groups weekly."),
            // Twelve-step facilitation: label "Twelve-step facilitation".
            known(listing("c-12", "Step House"), Group::Modality, &["twelve_step"]),
            // Nothing relevant.
            listing("d-none", "Plain Clinic"),
        ],
    );
    let r = index.search(&text("dual diagnosis")).expect("search");
    let mut got = ids(&r);
    got.sort();
    assert_eq!(got, ["a-cooc", "b-literal"]);
    let r = index.search(&text("12 step")).expect("search");
    assert_eq!(ids(&r), ["c-12"]);
    assert_eq!(r.hits[0].matched.text, ["12 step→twelve step"]);
    let r = index.search(&text("AA")).expect("search");
    assert_eq!(ids(&r), ["c-12"]);
}

#[test]
fn stop_words_do_not_have_to_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // Level iop only: "near me" must not exclude it.
            known(listing("a-iop", "Ridge Clinic"), Group::Level, &["iop"]),
        ],
    );
    let r = index.search(&text("iop near me")).expect("search");
    assert_eq!(ids(&r), ["a-iop"]);
    assert_eq!(r.total, 1);
    assert!(r.hits[0].score.is_some_and(|s| s > 0.0));
    // A word too long to be indexed matches nothing (it does not vanish from the text).
    assert_eq!(index.search(&text(&"iop".repeat(20))).expect("search").total, 0);
    assert_eq!(index.search(&text(&format!("iop {}", "x".repeat(60)))).expect("search").total, 0);
}

#[test]
fn a_prefix_reaching_many_words_still_finds_them_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Forty distinct words starting with "zeta": more than the prefix expands to as single
    // terms, so the automaton query takes over; every listing must still be found.
    let corpus: Vec<Listing> =
        (0..40).map(|i| listing(&format!("z{i:02}"), &format!("Zeta{i:02}x House"))).collect();
    let index = build(dir.path(), corpus);
    let r = index.search(&text("zeta")).expect("search");
    assert_eq!(r.total, 40);
    // And a typo over them: "zetx" is too short for typos, so only the prefix path matches.
    assert_eq!(index.search(&text("zetx ")).expect("search").total, 0);
}

#[test]
fn an_abbreviation_finds_its_phrase_only_when_the_words_are_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = build(
        dir.path(),
        vec![
            // The phrase itself in the description.
            described(
                listing("a-phrase", "Ridge House"),
                "We run an Intensive Outpatient program.",
            ),
            // The phrase in the name: ranks first.
            listing("b-name", "Intensive Outpatient Center"),
            // Both words, apart: not the phrase.
            described(listing("c-apart", "Vale Clinic"), "Outpatient care and intensive support."),
        ],
    );
    let r = index.search(&text("iop ")).expect("search");
    insta::assert_snapshot!(format!("{:?}", ids(&r)), @r#"["b-name", "a-phrase"]"#);
    assert_eq!(r.hits[1].matched.text, ["iop→intensive outpatient"]);
}
