//! The HTML pages against a real index built in a temporary directory, through `app()` with
//! `oneshot`, read with `scraper` by stable `id` / `data-test` hooks: crisis lines everywhere,
//! both languages, facet counts, unknown shown as "not on file" (never "no"), map pins, paging,
//! the empty state, errors beside the form, the listing page's JSON-LD and the source of each
//! fact (on real merged records), the referral sheet, the embed and widget, same-origin assets
//! only, no cookies, and the 60 KB size budget.

mod support;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use iop_core::distance::{haversine_m, miles_to_m};
use iop_core::vocabulary::{Group, Vocabulary};
use iop_core::{
    Attr, Listing, Location, Phones, Schedule, Session, SessionFormat, SessionKind, Weekday,
};
use scraper::{ElementRef, Html, Selector};
use support::{Answer, build_fixture, fixture, geocoder, get, id, listings, send};

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("bad selector {s:?}: {e:?}"))
}

fn html(a: &Answer) -> Html {
    assert_eq!(
        a.header("content-type"),
        Some("text/html; charset=utf-8"),
        "not HTML: {}",
        String::from_utf8_lossy(&a.body)
    );
    Html::parse_document(std::str::from_utf8(&a.body).expect("UTF-8 body"))
}

fn all<'a>(doc: &'a Html, s: &str) -> Vec<ElementRef<'a>> {
    doc.select(&sel(s)).collect()
}

fn one<'a>(doc: &'a Html, s: &str) -> ElementRef<'a> {
    let found = all(doc, s);
    assert_eq!(found.len(), 1, "expected one {s:?}, found {}", found.len());
    found[0]
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn get_lang(app: &axum::Router, uri: &str, accept_language: &str) -> Answer {
    let req = Request::get(uri)
        .header("accept-language", accept_language)
        .body(Body::empty())
        .expect("a valid request");
    send(app, req).await
}

/// The crisis lines: 988 to call and text, and the SAMHSA helpline, as tap-to-call links.
fn assert_crisis_banner(doc: &Html, what: &str) {
    let banner = all(doc, "#crisis");
    assert_eq!(banner.len(), 1, "{what}: crisis banner");
    let hrefs: Vec<&str> =
        banner[0].select(&sel("a")).filter_map(|a| a.value().attr("href")).collect();
    for want in ["tel:988", "sms:988", "tel:+18006624357"] {
        assert!(hrefs.contains(&want), "{what}: crisis banner lacks {want}: {hrefs:?}");
    }
}

#[tokio::test]
async fn crisis_lines_on_every_page() {
    let f = fixture();
    let app = f.app();
    let listing = id("cville-iop");
    let pages = [
        ("/", StatusCode::OK),
        ("/?near=22902&level=iop", StatusCode::OK),
        ("/?near=22902&level=php&radius_mi=1", StatusCode::OK),
        (&format!("/listings/{listing}") as &str, StatusCode::OK),
        (&format!("/referral?ids={listing}"), StatusCode::OK),
        ("/referral?ids=", StatusCode::BAD_REQUEST),
        ("/embed?near=22902", StatusCode::OK),
        ("/listings/t-0000000000000000", StatusCode::NOT_FOUND),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/?near=22902&radius_mi=0", StatusCode::BAD_REQUEST),
        ("/?near=Nowhereville%2C+ZZ", StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (uri, status) in pages {
        let a = get(&app, uri).await;
        assert_eq!(a.status, status, "{uri}");
        assert_crisis_banner(&html(&a), uri);
        let es =
            get(&app, &format!("{uri}{}lang=es", if uri.contains('?') { '&' } else { '?' })).await;
        let doc = html(&es);
        assert_crisis_banner(&doc, uri);
        assert!(text(one(&doc, "#crisis")).contains("gratuita, confidencial"), "{uri} in Spanish");
    }
}

#[tokio::test]
async fn spanish_by_parameter_or_accept_language() {
    let f = fixture();
    let app = f.app();
    let es = html(&get(&app, "/?near=22902&level=iop&lang=es").await);
    assert_eq!(one(&es, "html").value().attr("lang"), Some("es"));
    assert_eq!(text(one(&es, "form#search button[type=submit]")), "Buscar");
    assert_eq!(text(one(&es, "#f-level legend")), "Nivel de atención");
    let count = text(one(&es, "#result-count"));
    assert!(count.starts_with("Se encontr"), "{count}");
    assert!(count.contains("millas"), "{count}");
    // Filter values come from the vocabulary's Spanish labels.
    let es_label = Vocabulary::get().value(Group::Level, "iop").expect("iop").es.clone();
    assert!(text(option(&es, "level", "iop")).contains(&es_label));

    // No parameter: the browser's preference, by q-value.
    let doc = html(&get_lang(&app, "/", "en;q=0.3, es-MX;q=0.9").await);
    assert_eq!(one(&doc, "html").value().attr("lang"), Some("es"));
    let doc = html(&get_lang(&app, "/", "fr, en;q=0.5").await);
    assert_eq!(one(&doc, "html").value().attr("lang"), Some("en"));
    // The parameter wins over the header; an unknown value falls back to the header.
    let doc = html(&get_lang(&app, "/?lang=en", "es").await);
    assert_eq!(one(&doc, "html").value().attr("lang"), Some("en"));
    let doc = html(&get_lang(&app, "/?lang=xx", "es").await);
    assert_eq!(one(&doc, "html").value().attr("lang"), Some("es"));

    // The language switch keeps the search.
    let en = html(&get(&app, "/?near=22902&level=iop").await);
    let switch = one(&en, "#lang-switch").value().attr("href").expect("href").to_owned();
    assert!(switch.contains("near=22902") && switch.contains("level=iop"), "{switch}");
    assert!(switch.contains("lang=es"), "{switch}");
}

#[tokio::test]
async fn empty_form_has_iop_checked_and_no_counts() {
    let f = fixture();
    let doc = html(&get(&f.app(), "/").await);
    let on: Vec<String> = all(&doc, "form#search input[type=checkbox][checked]")
        .iter()
        .map(|e| {
            format!("{}={}", e.value().attr("name").unwrap(), e.value().attr("value").unwrap())
        })
        .collect();
    assert_eq!(on, vec!["level=iop"]);
    assert!(all(&doc, "form#search .opts .n").is_empty(), "no facet counts before a search");
    assert!(all(&doc, "#result-count").is_empty());
    // Each filter group is a fieldset of checkboxes named after the API parameter.
    for g in Group::ALL {
        let boxes =
            all(&doc, &format!("#f-{} input[type=checkbox][name={}]", g.as_str(), g.as_str()));
        assert_eq!(boxes.len(), Vocabulary::get().values(g).len(), "{g}");
    }
    assert_eq!(all(&doc, "#include-unknown").len(), 1);
}

/// Facet counts are the index's disjunctive counts: for level, as if level were not filtered.
#[tokio::test]
async fn facet_counts_beside_each_value() {
    let f = fixture();
    let doc = html(&get(&f.app(), "/?near=22902&level=iop").await);
    let place = geocoder().geocode("22902").expect("22902 geocodes");
    let r = miles_to_m(25.0);
    let near: Vec<Listing> = listings()
        .into_iter()
        .filter(|l| {
            l.location.is_some_and(|p| haversine_m(place.lat, place.lon, p.lat, p.lon) <= r)
        })
        .collect();
    for v in Vocabulary::get().values(Group::Level) {
        let expected = near.iter().filter(|l| l.levels.contains(&v.value)).count();
        let label = option(&doc, "level", &v.value);
        let shown = text(one_in(label, ".n"));
        assert_eq!(shown, format!("({expected})"), "level {}", v.value);
    }
    // Another group's counts are narrowed by the level filter.
    let iop_near: Vec<&Listing> = near.iter().filter(|l| l.levels.contains("iop")).collect();
    let medicaid = iop_near.iter().filter(|l| l.payments.contains("medicaid")).count();
    let label = option(&doc, "payment", "medicaid");
    assert_eq!(text(one_in(label, ".n")), format!("({medicaid})"));
    // Long groups leave out the values that would give nothing: no program near 22902 lists
    // Chinese, so it is not offered (it is on the empty form).
    assert!(iop_near.iter().all(|l| !l.languages.contains("zh")));
    assert!(all(&doc, "form#search input[name=language][value=zh]").is_empty());
    assert_eq!(all(&html(&get(&f.app(), "/").await), "input[name=language][value=zh]").len(), 1);
}

/// The `<label>` around the checkbox of a filter value.
fn option<'a>(doc: &'a Html, group: &str, value: &str) -> ElementRef<'a> {
    let input = one(doc, &format!("form#search input[type=checkbox][name={group}][value={value}]"));
    input.parent().and_then(ElementRef::wrap).expect("the checkbox's label")
}

fn checked(doc: &Html, group: &str, value: &str) -> bool {
    let input = one(doc, &format!("form#search input[type=checkbox][name={group}][value={value}]"));
    input.value().attr("checked").is_some()
}

/// The numbers on the map's pins.
fn pins(doc: &Html) -> Vec<String> {
    let mut v: Vec<String> = all(doc, "[data-test=map] .pins text").into_iter().map(text).collect();
    v.sort_by_key(|n| n.parse::<usize>().expect("a pin number"));
    v
}

fn one_in<'a>(e: ElementRef<'a>, s: &str) -> ElementRef<'a> {
    let found: Vec<_> = e.select(&sel(s)).collect();
    assert_eq!(found.len(), 1, "expected one {s:?} in {}", e.html());
    found[0]
}

#[tokio::test]
async fn unknown_is_not_on_file_never_no() {
    let f = fixture();
    let app = f.app();
    // A listing that says nothing about its levels, schedule, languages...
    let doc = html(&get(&app, &format!("/listings/{}", id("cville-unknown"))).await);
    let level = text(one(&doc, "dd[data-group=level]"));
    assert_eq!(level, "Not on file");
    for facet in ["day", "evening", "weekend", "virtual"] {
        assert_eq!(text(one(&doc, &format!("dd[data-facet={facet}]"))), "Not on file", "{facet}");
    }
    // ... but a known payment.
    assert_eq!(text(one(&doc, "dd[data-group=payment]")), "Medicaid");

    // Known "none" is a real no, and says so differently from unknown.
    let doc = html(&get(&app, &format!("/listings/{}", id("cville-res"))).await);
    let payment = text(one(&doc, "dd[data-group=payment]"));
    assert!(!payment.contains("Not on file"), "{payment}");
    assert!(payment.contains("None"), "{payment}");

    // Evening in-person hours: day and weekend are known "no"; virtual is unknown, not "no".
    let doc = html(&get(&app, &format!("/listings/{}", id("cville-iop"))).await);
    assert_eq!(text(one(&doc, "dd[data-facet=evening]")), "Yes");
    assert_eq!(text(one(&doc, "dd[data-facet=day]")), "No");
    assert_eq!(text(one(&doc, "dd[data-facet=virtual]")), "Not on file");

    // In results: the unknown listing appears with include_unknown, flagged.
    let doc = html(&get(&app, "/?near=22902&level=iop&include_unknown=true").await);
    let card = all(&doc, ".card")
        .into_iter()
        .find(|c| c.value().attr("data-id") == Some(id("cville-unknown").as_str()))
        .expect("the unknown listing is in the results");
    let line = text(one_in(card, ".unk"));
    assert!(line.starts_with("Not on file:") && line.contains("Level of care"), "{line}");
    let why = text(one_in(card, ".why-unk"));
    assert!(why.contains("Level of care"), "{why}");
    // Without include_unknown it is not there.
    let doc = html(&get(&app, "/?near=22902&level=iop").await);
    assert!(
        all(&doc, ".card")
            .iter()
            .all(|c| c.value().attr("data-id") != Some(id("cville-unknown").as_str()))
    );
    // Spanish says "No consta", not "No".
    let doc = html(&get(&app, &format!("/listings/{}?lang=es", id("cville-unknown"))).await);
    assert_eq!(text(one(&doc, "dd[data-group=level]")), "No consta");
}

#[tokio::test]
async fn results_list_map_pins_and_details() {
    let f = fixture();
    let doc = html(&get(&f.app(), "/?near=22902&level=iop").await);
    let cards = all(&doc, "ol.results > li.card");
    let total: usize = one(&doc, "#result-count")
        .value()
        .attr("data-total")
        .and_then(|t| t.parse().ok())
        .expect("data-total");
    assert!(!cards.is_empty());
    assert_eq!(cards.len(), total.min(20));
    assert_eq!(one(&doc, "#result-count").value().attr("aria-live"), Some("polite"));
    // One pin per result with a location (all fixture listings have one), numbered like the list.
    let pin_numbers: BTreeSet<String> = pins(&doc).into_iter().collect();
    let numbers: BTreeSet<String> = cards
        .iter()
        .map(|c| c.value().attr("id").expect("id").trim_start_matches('r').to_owned())
        .collect();
    assert_eq!(pin_numbers, numbers);
    let svg = one(&doc, "[data-test=map] svg");
    assert_eq!(svg.value().attr("role"), Some("img"));
    assert_eq!(all(&doc, "[data-test=map] svg title").len(), 1);
    let scale = all(&doc, "[data-test=map] svg text.lbl").into_iter().map(text).collect::<Vec<_>>();
    assert!(scale.iter().any(|t| t.ends_with(" mi")), "a scale bar: {scale:?}");
    // Results spread from Charlottesville to Richmond and Arlington: the map zooms out to them
    // and draws Virginia's outline.
    let wide = html(&get(&f.app(), "/?near=22902&radius_mi=100").await);
    assert!(pins(&wide).len() >= 5);
    assert!(!all(&wide, "[data-test=map] svg .st path").is_empty(), "Virginia is drawn");

    // The first result: the evening IOP in town, with its facts.
    let first = cards
        .iter()
        .find(|c| c.value().attr("data-id") == Some(id("cville-iop").as_str()))
        .expect("the in-town IOP");
    let hrefs: Vec<&str> = first.select(&sel("a")).filter_map(|a| a.value().attr("href")).collect();
    assert!(hrefs.contains(&"tel:+14345550100"), "{hrefs:?}");
    assert!(
        hrefs.iter().any(|h| h.starts_with("https://www.google.com/maps/dir/?api=1&destination="))
    );
    assert!(hrefs.contains(&"geo:38.0293,-78.4767"), "{hrefs:?}");
    assert!(
        hrefs.contains(&format!("/listings/{}?lang=en", id("cville-iop")).as_str())
            || hrefs.contains(&format!("/listings/{}", id("cville-iop")).as_str()),
        "{hrefs:?}"
    );
    let badges = text(one_in(*first, ".badges"));
    for b in ["Intensive outpatient (IOP)", "Evenings", "Medicaid", "Spanish"] {
        assert!(badges.contains(b), "{b} in {badges}");
    }
    let why = text(one_in(*first, ".why"));
    assert!(why.contains("Intensive outpatient (IOP)"), "{why}");
    let dist = text(one_in(*first, ".dist"));
    assert!(dist.contains("miles"), "{dist}");
    // Add to referral: a checkbox in the referral form, which GETs /referral.
    let cb = one_in(*first, "input[type=checkbox][name=ids]");
    assert_eq!(cb.value().attr("form"), Some("referral"));
    assert_eq!(cb.value().attr("value"), Some(id("cville-iop").as_str()));
    let form = one(&doc, "form#referral");
    assert_eq!(form.value().attr("action"), Some("/referral"));
    assert_eq!(form.value().attr("method"), Some("get"));
}

#[tokio::test]
async fn virtual_programs_say_why_they_matched() {
    let f = fixture();
    let doc = html(&get(&f.app(), "/?near=22902&schedule=virtual").await);
    let card = all(&doc, ".card")
        .into_iter()
        .find(|c| c.value().attr("data-id") == Some(id("arlington-virtual").as_str()))
        .expect("the virtual IOP serving Virginia");
    assert_eq!(text(one_in(card, ".virt")), "Serves your state virtually");
}

#[tokio::test]
async fn pagination_keeps_the_search() {
    let f = fixture();
    let app = f.app();
    let doc = html(&get(&app, "/?near=22902&radius_mi=100&per_page=2").await);
    let total: u64 =
        one(&doc, "#result-count").value().attr("data-total").unwrap().parse().unwrap();
    assert!(total > 4, "the fixture has enough listings within 100 miles to page ({total})");
    let pager = one(&doc, "[data-test=pager]");
    assert!(all(&doc, "[data-test=prev]").is_empty(), "no previous on page 1");
    let next = one_in(pager, "[data-test=next]").value().attr("href").unwrap().to_owned();
    for want in ["near=22902", "radius_mi=100", "per_page=2", "page=2"] {
        assert!(next.contains(want), "{want} in {next}");
    }
    let current = one_in(pager, "[aria-current=page]");
    assert_eq!(text(current), "Page 1");
    let numbers = pager.select(&sel("a")).filter(|a| text(*a).starts_with("Page")).count();
    assert!(numbers >= 3, "numbered links");

    let doc2 = html(&get(&app, &next).await);
    assert_eq!(text(one(&doc2, "[data-test=pager] [aria-current=page]")), "Page 2");
    assert_eq!(one(&doc2, "ol.results").value().attr("start"), Some("3"));
    let prev = one(&doc2, "[data-test=prev]").value().attr("href").unwrap().to_owned();
    assert!(!prev.contains("&page=") && !prev.contains("?page="), "page 1 has no page: {prev}");
    assert!(prev.contains("radius_mi=100"));
    // Pins on page 2 are numbered 3 and 4, like the list.
    assert_eq!(pins(&doc2), vec!["3", "4"]);
}

#[tokio::test]
async fn empty_results_suggest_wider_searches() {
    let f = fixture();
    let app = f.app();
    let a = get(&app, "/?near=22902&level=php&radius_mi=10").await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = html(&a);
    assert!(text(one(&doc, "#result-count")).starts_with("0 programs"));
    one(&doc, "[data-test=empty]");
    let wider = one(&doc, "[data-test=wider]").value().attr("href").unwrap().to_owned();
    assert!(wider.contains("radius_mi=20") && wider.contains("level=php"), "{wider}");
    let unknown = one(&doc, "[data-test=include-unknown]").value().attr("href").unwrap().to_owned();
    assert!(
        unknown.contains("include_unknown=true") && unknown.contains("near=22902"),
        "{unknown}"
    );
    // The suggestions lead somewhere: the Richmond PHP is within 100 miles.
    let doc = html(&get(&app, "/?near=22902&level=php&radius_mi=100").await);
    assert!(!all(&doc, ".card").is_empty());
    // The filters fold away after a search, their summary saying what is chosen; they are open
    // on the empty form and when one of them is wrong.
    let doc = html(&get(&app, "/?near=22902&level=php&radius_mi=10").await);
    let filters = one(&doc, "details#filters");
    assert!(filters.value().attr("open").is_none());
    assert!(
        text(one_in(filters, "details#filters > summary"))
            .contains("Partial hospitalization (PHP)")
    );
    let doc = html(&get(&app, "/").await);
    assert!(one(&doc, "details#filters").value().attr("open").is_some());
    let doc = html(&get(&app, "/?near=22902&payment=cash").await);
    assert!(one(&doc, "details#filters").value().attr("open").is_some());
}

#[tokio::test]
async fn errors_are_shown_beside_the_form() {
    let f = fixture();
    let app = f.app();
    let a = get(&app, "/?near=22902&radius_mi=0").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let doc = html(&a);
    let err = one(&doc, "form#search [data-test=form-error]");
    assert_eq!(err.value().attr("role"), Some("alert"));
    assert!(text(err).contains("radius_mi must be a number from 1 to 500"), "{}", text(err));
    assert_eq!(one(&doc, "#radius").value().attr("aria-invalid"), Some("true"));
    // What the user typed stays in the form.
    assert_eq!(one(&doc, "#near").value().attr("value"), Some("22902"));

    // A misspelt place: 422, with "did you mean" links that run the corrected search.
    let a = get(&app, "/?near=Charlotesville%2C+VA&level=iop").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = html(&a);
    assert_eq!(one(&doc, "#near").value().attr("aria-invalid"), Some("true"));
    let links: Vec<String> = all(&doc, "[data-test=suggestions] a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_owned)
        .collect();
    let fix = links
        .iter()
        .find(|h| h.contains("near=Charlottesville,+VA"))
        .unwrap_or_else(|| panic!("a suggestion for Charlottesville, VA: {links:?}"));
    assert!(fix.contains("level=iop"), "{fix}");
    let fixed = get(&app, fix).await;
    assert_eq!(fixed.status, StatusCode::OK);

    // A misspelt filter value, in Spanish.
    let a = get(&app, "/?near=22902&payment=medicaide&lang=es").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let doc = html(&a);
    let msg = text(one(&doc, "[data-test=form-error]"));
    assert!(msg.contains("quiso decir"), "{msg}");
    let link = one(&doc, "[data-test=suggestions] a").value().attr("href").unwrap().to_owned();
    assert!(link.contains("payment=medicaid&") || link.ends_with("payment=medicaid"), "{link}");
}

#[tokio::test]
async fn user_text_is_escaped() {
    let f = fixture();
    let a = get(&f.app(), "/?near=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = String::from_utf8_lossy(&a.body);
    assert!(!body.contains("<script>alert"), "unescaped input in the page");
    let doc = html(&a);
    assert_eq!(one(&doc, "#near").value().attr("value"), Some("<script>alert(1)</script>"));
    // The only scripts are our own file and JSON-LD (none here).
    for s in all(&doc, "script") {
        assert!(s.value().attr("src").is_some(), "inline script: {}", s.html());
    }
}

#[tokio::test]
async fn listing_page_has_everything_and_json_ld() {
    let f = fixture();
    let app = f.app();
    let l = listings().into_iter().find(|l| l.id == id("cville-iop")).expect("fixture");
    let a = get(&app, &format!("/listings/{}", l.id)).await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = html(&a);
    assert_eq!(text(one(&doc, "h1")), l.name);
    let phones: Vec<&str> =
        all(&doc, "[data-test=phone] a").iter().filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(phones, vec!["tel:+14345550100"]);
    // Sources with record id and retrieval date.
    let row = text(one(&doc, "[data-test=sources] tbody tr"));
    assert!(
        row.contains("test-fixture") && row.contains("cville-iop") && row.contains("2025-01-01"),
        "{row}"
    );
    // The weekly timetable: one program session, Monday, Wednesday and Thursday evenings.
    let tt = one(&doc, "[data-test=timetable]");
    let row = one_in(tt, "tbody tr");
    assert_eq!(row.value().attr("data-kind"), Some("program"));
    let cells: Vec<String> = row.select(&sel("td")).map(text).collect();
    assert_eq!(cells.len(), 7);
    for (i, day) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().enumerate() {
        let meets = matches!(*day, "Mon" | "Wed" | "Thu");
        assert_eq!(cells[i] == "6:00 pm–9:00 pm", meets, "{day}: {:?}", cells[i]);
    }
    assert!(text(row).contains("Program session") && text(row).contains("in person"));
    // Add to referral.
    let add = one(&doc, "[data-test=add-referral]").value().attr("href").unwrap().to_owned();
    assert_eq!(add, format!("/referral?ids={}", l.id));
    // schema.org JSON-LD.
    let ld = one(&doc, "script[type='application/ld+json']");
    let v: serde_json::Value = serde_json::from_str(&ld.inner_html()).expect("JSON-LD parses");
    assert_eq!(v["@type"], "MedicalClinic");
    assert_eq!(v["name"], l.name.as_str());
    assert_eq!(v["telephone"], "+14345550100");
    assert_eq!(v["address"]["postalCode"], "22902");
    assert_eq!(v["geo"]["latitude"], 38.0293);

    // Unknown and malformed ids: an HTML 404 in the page language.
    for bad in ["t-0000000000000000", "not-an-id", "%3Cscript%3E"] {
        let a = get(&app, &format!("/listings/{bad}?lang=es")).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{bad}");
        let doc = html(&a);
        assert_eq!(one(&doc, "html").value().attr("lang"), Some("es"));
        one(&doc, "[data-test=error]");
    }
}

#[tokio::test]
async fn referral_sheet_text_and_mail() {
    let f = fixture();
    let app = f.app();
    let (a, b) = (id("cville-iop"), id("richmond-iop"));
    let doc = html(&get(&app, &format!("/referral?ids={a}&ids={b}")).await);
    let items: Vec<&str> = all(&doc, "[data-test=referral-item]")
        .iter()
        .filter_map(|e| e.value().attr("data-id"))
        .collect();
    assert_eq!(items, vec![a.as_str(), b.as_str()], "in the order asked");
    assert!(all(&doc, "[data-test=missing]").is_empty());
    // The Richmond listing says nothing of languages: the sheet says so.
    let richmond = all(&doc, "[data-test=referral-item]")[1];
    assert!(text(one_in(richmond, ".unk")).contains("Language"));
    let mailto = one(&doc, "[data-test=mailto]").value().attr("href").unwrap().to_owned();
    assert!(
        mailto.starts_with("mailto:?subject=")
            && mailto.contains("Blue%20Ridge%20Recovery%20Center"),
        "{mailto}"
    );
    let txt_href = one(&doc, "[data-test=as-text]").value().attr("href").unwrap().to_owned();
    assert_eq!(txt_href, format!("/referral.txt?ids={a},{b}"));

    let t = get(&app, &txt_href).await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.header("content-type"), Some("text/plain; charset=utf-8"));
    let body = String::from_utf8(t.body).unwrap();
    assert!(
        body.contains("1. Blue Ridge Recovery Center")
            && body.contains("2. Richmond Behavioral Health IOP"),
        "{body}"
    );
    assert!(
        body.contains("(434) 555-0100") && body.contains("988") && body.contains("1-800-662-4357")
    );

    // A missing id is reported, the rest shown.
    let doc = html(&get(&app, &format!("/referral?ids={a},t-0000000000000000")).await);
    one(&doc, "[data-test=missing]");
    assert_eq!(all(&doc, "[data-test=referral-item]").len(), 1);
    // Too many ids: a clear 400.
    let many: Vec<String> = (0..31).map(|i| format!("t-{i:016x}")).collect();
    let a = get(&app, &format!("/referral?ids={}", many.join(","))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(text(one(&html(&a), "[data-test=error]")).contains("at most 30"));
    let a = get(&app, &format!("/referral.txt?ids={}", many.join(","))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.header("content-type"), Some("text/plain; charset=utf-8"));
    // Nothing is stored: the sheet is not cacheable either.
    assert_eq!(
        get(&app, &format!("/referral?ids={a}", a = id("cville-iop")))
            .await
            .header("cache-control"),
        Some("no-store")
    );
}

#[tokio::test]
async fn embed_and_widget() {
    let f = fixture();
    let app = f.app();
    let doc = html(&get(&app, "/embed?near=22902&level=iop").await);
    assert!(one(&doc, "html").value().attr("data-embed").is_some());
    assert!(all(&doc, "header.site nav").is_empty(), "minimal chrome");
    assert_eq!(one(&doc, "form#search").value().attr("action"), Some("/embed"));
    let cards = all(&doc, ".card");
    assert!(!cards.is_empty());
    for c in &cards {
        let a = one_in(*c, "h3 a");
        assert_eq!(a.value().attr("target"), Some("_blank"));
        assert_eq!(a.value().attr("rel"), Some("noopener"));
    }
    // Partner defaults without a place fill in the form.
    let doc = html(&get(&app, "/embed?level=php&lang=es").await);
    assert!(checked(&doc, "level", "php"));
    assert!(!checked(&doc, "level", "iop"));
    assert_eq!(one(&doc, "html").value().attr("lang"), Some("es"));

    let w = get(&app, "/widget.js").await;
    assert_eq!(w.status, StatusCode::OK);
    assert_eq!(w.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(w.header("cross-origin-resource-policy"), Some("cross-origin"));
    let js = String::from_utf8(w.body).unwrap();
    assert!(js.contains("/embed") && js.contains("iframe") && js.contains("e.origin !== origin"));
}

#[tokio::test]
async fn only_same_origin_resources_and_no_cookies() {
    let f = fixture();
    let app = f.app();
    let pages = [
        "/".to_owned(),
        "/?near=22902&level=iop".to_owned(),
        format!("/listings/{}", id("cville-iop")),
        format!("/referral?ids={}", id("cville-iop")),
        "/embed?near=22902".to_owned(),
        "/nope".to_owned(),
    ];
    let mut assets = BTreeSet::new();
    for uri in &pages {
        let a = get(&app, uri).await;
        assert!(a.headers.get("set-cookie").is_none(), "{uri} sets a cookie");
        let doc = html(&a);
        for (s, attr) in [
            ("script[src]", "src"),
            ("link[href]", "href"),
            ("img[src]", "src"),
            ("iframe[src]", "src"),
            ("[style]", "style"),
        ] {
            for e in all(&doc, s) {
                let v = e.value().attr(attr).unwrap_or_default();
                assert!(attr != "style", "{uri}: inline style {}", e.html());
                assert!(v.starts_with('/') && !v.starts_with("//"), "{uri}: {s} {v}");
                assets.insert(v.to_owned());
            }
        }
        for s in all(&doc, "script") {
            let inline_ok = s.value().attr("type") == Some("application/ld+json");
            assert!(s.value().attr("src").is_some() || inline_ok, "{uri}: inline script");
        }
    }
    // The assets are served, with a year of caching, and no cookie either.
    for url in &assets {
        let a = get(&app, url).await;
        assert_eq!(a.status, StatusCode::OK, "{url}");
        assert!(a.header("cache-control").is_some_and(|c| c.contains("immutable")), "{url}");
        assert!(a.headers.get("set-cookie").is_none());
    }
    assert!(
        assets.iter().any(|u| u.ends_with(".css")) && assets.iter().any(|u| u.ends_with(".js"))
    );
    assert_eq!(get(&app, "/assets/site.0000000000.css").await.status, StatusCode::NOT_FOUND);
}

/// A realistic listing with every field filled, for the size budget.
fn full_listing(i: usize) -> Listing {
    let mut l = Listing {
        id: id(&format!("size-{i}")),
        name: format!("Blue Ridge Behavioral Health Intensive Outpatient Program {i}"),
        alt_name: Some(format!("BRBH Evening Recovery Services, Site {i}")),
        description: Some("Evening and weekend intensive outpatient groups for adults.".into()),
        location: Some(Location {
            lat: 38.03 + (i as f64) * 0.004,
            lon: -78.48 + (i as f64) * 0.003,
            approximate: false,
        }),
        phones: Phones {
            main: Some("+14345550100".into()),
            intake: Some("+14345550101".into()),
            hotline: None,
        },
        website: Some(format!("https://www.example-behavioral-health.org/locations/site-{i}")),
        levels: Attr::known(["iop", "op", "php"]),
        modalities: Attr::known(["cbt", "dbt", "mi", "group", "family"]),
        medications: Attr::known(["buprenorphine", "naltrexone"]),
        payments: Attr::known([
            "medicaid",
            "medicare",
            "private_insurance",
            "self_pay",
            "sliding_scale",
        ]),
        populations: Attr::Unknown,
        languages: Attr::known(["en", "es"]),
        ..Listing::default()
    };
    l.address.street = Some(format!("{} West Main Street", 100 + i));
    l.address.street2 = Some("Suite 200".into());
    l.address.city = Some("Charlottesville".into());
    l.address.state = Some("VA".into());
    l.address.zip = Some("22902".into());
    l.schedule = Schedule {
        sessions: vec![Session {
            days: vec![Weekday::Mo, Weekday::We, Weekday::Th],
            start: "18:00".into(),
            end: "21:00".into(),
            format: Some(SessionFormat::Hybrid),
            kind: SessionKind::Program,
            label: None,
            valid_from: None,
            valid_to: None,
        }],
        ..Schedule::default()
    };
    l.schedule.derive_facets("2025-01-01");
    l
}

/// A results page of 20 listings, with its stylesheet, stays under 60 KB: the page is for
/// phones on slow networks.
#[tokio::test]
async fn twenty_results_fit_in_60_kb() {
    let f = build_fixture((0..25).map(full_listing).collect());
    let app = f.app();
    let a = get(&app, "/?near=22902&level=iop&schedule=evening&payment=medicaid").await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = html(&a);
    assert_eq!(all(&doc, ".card").len(), 20);
    assert_eq!(pins(&doc).len(), 20);
    let css_url = one(&doc, "link[rel=stylesheet]").value().attr("href").unwrap().to_owned();
    let css = get(&app, &css_url).await;
    let total = a.body.len() + css.body.len();
    eprintln!("20-result page: {} B HTML + {} B CSS = {total} B", a.body.len(), css.body.len());
    if let Ok(path) = std::env::var("IOP_DUMP_PAGE") {
        std::fs::write(path, &a.body).expect("dump");
    }
    assert!(total < 60 * 1024, "{total} bytes of HTML + CSS");
}

mod random_queries {
    //! Random query strings on every page: never a server error, always the crisis lines, and
    //! nothing the user typed comes back as markup.

    use super::*;
    use iop_web::params::param_names;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = String> {
        let atoms = prop_oneof![
            "[a-zA-Z0-9 ,.-]{0,6}",
            "%[0-9A-Fa-f]{0,2}",
            prop::sample::select(vec![
                "iop",
                "medicaid",
                "22902",
                "38.03,-78.48",
                "Charlottesville%2C+VA",
                "VA",
                "true",
                "0",
                "2",
                "501",
                "NaN",
                "es",
                "%3Cscript%3Ex%3C%2Fscript%3E",
                "%22%3E%3Cb%3E",
                "t-0000000000000000",
                "%C3%B1",
            ])
            .prop_map(str::to_owned),
        ];
        prop::collection::vec(atoms, 0..3).prop_map(|v| v.concat())
    }

    fn query() -> impl Strategy<Value = String> {
        let mut names: Vec<String> = param_names().into_iter().map(str::to_owned).collect();
        names.push("ids".to_owned());
        let key = prop_oneof![4 => prop::sample::select(names), 1 => "[a-z_%0-9]{0,6}"];
        prop::collection::vec((key, value()).prop_map(|(k, v)| format!("{k}={v}")), 0..6)
            .prop_map(|pairs| pairs.join("&"))
    }

    #[test]
    fn no_query_breaks_a_page() {
        let f = fixture();
        let app = f.app();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 200,
            ..ProptestConfig::default()
        });
        let paths = prop::sample::select(vec!["/", "/embed", "/referral", "/referral.txt"]);
        let result = runner.run(&(paths, query()), |(path, q)| {
            let uri = format!("{path}?{q}");
            prop_assume!(uri.parse::<axum::http::Uri>().is_ok());
            let a = rt.block_on(get(&app, &uri));
            prop_assert!(!a.status.is_server_error(), "{uri} -> {}", a.status);
            prop_assert!(a.headers.get("set-cookie").is_none());
            let body = String::from_utf8_lossy(&a.body);
            prop_assert!(!body.contains("<script>x") && !body.contains("\"><b>"), "{uri}");
            if path != "/referral.txt" {
                let doc = html(&a);
                prop_assert_eq!(all(&doc, "#crisis a[href='tel:988']").len(), 1, "{}", uri);
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}

/// Real records through the real ingest: the Charlottesville API pages (Region Ten's 800 Preston
/// Avenue clinic is two of them), the SAMHSA OTP directory (Staunton Treatment Center is in it
/// and in the API pages) and the 2-1-1 Miami package with the shipped program sheet; the
/// listings of Virginia and Florida, indexed.
fn provenance_fixture() -> (support::Fixture, Vec<Listing>) {
    static LISTINGS: std::sync::OnceLock<Vec<Listing>> = std::sync::OnceLock::new();
    let listings = LISTINGS.get_or_init(|| {
        let data = support::data_dir();
        let samhsa = data.join("samhsa");
        let opts = iop_ingest::IngestOptions {
            data_dir: data.clone(),
            sources: vec![
                samhsa.join("api_response_page1_charlottesville_va_2019.json"),
                samhsa.join("api_response_rows_sa_charlottesville_va_2019.json"),
                samhsa.join("samhsa_otp_directory_geocoded_2021.csv"),
                data.join("miami211"),
            ],
            progress: false,
        };
        let run =
            iop_ingest::pipeline::ingest_with_sheets(&opts, &[data.join("sheets")], &geocoder())
                .expect("the real sources ingest");
        run.listings
            .into_iter()
            .filter(|l| matches!(l.address.state.as_deref(), Some("VA" | "FL")))
            .collect()
    });
    (build_fixture(listings.clone()), listings.clone())
}

/// The source lines of the element `within`, as (field, text, link targets).
fn source_lines(doc: &Html, within: &str) -> Vec<(String, String, Vec<String>)> {
    all(doc, &format!("{within} [data-test=provenance]"))
        .into_iter()
        .map(|e| {
            let field = e.value().attr("data-field").unwrap_or_default().to_owned();
            let links = e
                .select(&sel("a"))
                .filter_map(|a| a.value().attr("href"))
                .map(str::to_owned)
                .collect();
            (field, text(e), links)
        })
        .collect()
}

#[tokio::test]
async fn a_merged_listing_says_which_source_states_each_fact() {
    let (f, listings) = provenance_fixture();
    let app = f.app();
    // Staunton Treatment Center: an API record and an OTP directory entry.
    let staunton = listings
        .iter()
        .find(|l| l.name == "Staunton Treatment Center")
        .expect("Staunton Treatment Center");
    let names: Vec<&str> = staunton.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["samhsa-findtreatment", "samhsa-otp-2021"]);
    let doc = html(&get(&app, &format!("/listings/{}", staunton.id)).await);
    // The sources table has a row per record, which the lines link to.
    assert!(text(one(&doc, "tr#src-1")).contains("SAMHSA FindTreatment.gov"));
    assert!(text(one(&doc, "tr#src-2")).contains("opioid treatment program directory"));

    // Levels of care: both say something (the OTP entry only "OTP").
    let levels = source_lines(&doc, "dd[data-group=level]");
    assert_eq!(levels.len(), 1, "{levels:?}");
    let (field, line, links) = &levels[0];
    assert_eq!(field, "levels");
    assert_eq!(
        line,
        "Sources: SAMHSA FindTreatment.gov, retrieved 2019-05-30; SAMHSA opioid treatment \
         program directory (2021), retrieved 2021-07-28"
    );
    assert_eq!(links, &["#src-1", "#src-2"]);
    // Payments: the API record alone.
    let payments = source_lines(&doc, "dd[data-group=payment]");
    assert_eq!(payments[0].1, "Source: SAMHSA FindTreatment.gov, retrieved 2019-05-30");
    assert_eq!(payments[0].2, ["#src-1"]);
    // The address is the API record's (the OTP entry has another city and ZIP), and so is
    // the point: one line for both.
    let address: Vec<String> =
        source_lines(&doc, "#contact-h ~ dl").into_iter().map(|l| l.0).collect();
    assert!(address.contains(&"address".to_owned()) && !address.contains(&"location".to_owned()));
    // What no source says: not on file, and no source line.
    let dd = one(&doc, "dd[data-group=language]");
    assert_eq!(text(one_in(dd, "[data-test=not-on-file]")), "Not on file");
    assert!(source_lines(&doc, "dd[data-group=language]").is_empty());
    assert!(all(&doc, "[data-test=provenance][data-field=schedule]").is_empty());

    // In Spanish.
    let doc = html(&get(&app, &format!("/listings/{}?lang=es", staunton.id)).await);
    let levels = source_lines(&doc, "dd[data-group=level]");
    assert!(
        levels[0].1.starts_with(
            "Fuentes: SAMHSA FindTreatment.gov, consultada el 2019-05-30; Directorio de programas"
        ),
        "{}",
        levels[0].1
    );

    // Region Ten, 800 Preston Avenue: two API records (SA and MH) of one retrieval. The
    // groups both describe name the two records; telehealth is in the MH record only.
    let region_ten = support::region_ten(&listings);
    let mh = "a1e806914f668fd6a36b204da022a61d8ba326606c1ae99cd3b47f0a1bab4fe8";
    let mh_row = region_ten.sources.iter().position(|s| s.record_id == mh).expect("the MH record");
    let doc = html(&get(&app, &format!("/listings/{}", region_ten.id)).await);
    let levels = source_lines(&doc, "dd[data-group=level]");
    assert_eq!(levels[0].1, "Source: SAMHSA FindTreatment.gov (2 records), retrieved 2019-05-30");
    let schedule = source_lines(&doc, "#schedule-h ~ p");
    assert_eq!(schedule.len(), 1, "{schedule:?}");
    assert_eq!(schedule[0].1, "Source: SAMHSA FindTreatment.gov, retrieved 2019-05-30");
    assert_eq!(schedule[0].2, [format!("#src-{}", mh_row + 1)], "the MH record's row");
    assert!(text(one(&doc, &format!("tr#src-{}", mh_row + 1))).contains(mh));

    // A 2-1-1 Miami record placed at its ZIP's centre, with a program sheet: the point says
    // it was computed, the schedule names the record and the sheet (with its confirmation date).
    let sheet = listings
        .iter()
        .find(|l| l.sources.iter().any(|s| s.name == "program-sheet"))
        .expect("the listing of the shipped sheet");
    let doc = html(&get(&app, &format!("/listings/{}", sheet.id)).await);
    let point = source_lines(&doc, "#contact-h ~ dl")
        .into_iter()
        .find(|l| l.0 == "location")
        .expect("a line for the map point");
    assert_eq!(point.1, "Map point · Source: centre of the ZIP code, computed by IOP Finder");
    assert!(point.2.is_empty(), "a derivation links to no source row");
    let schedule = source_lines(&doc, "#schedule-h ~ p");
    assert_eq!(
        schedule[0].1,
        "Sources: 2-1-1 Miami (Open Referral), retrieved 2019-07-29; Curated program sheet, \
         confirmed 2019-07-29"
    );
    let doc = html(&get(&app, &format!("/listings/{}?lang=es", sheet.id)).await);
    let schedule = source_lines(&doc, "#schedule-h ~ p");
    assert!(
        schedule[0].1.ends_with("Ficha de programa revisada, confirmada el 2019-07-29"),
        "{}",
        schedule[0].1
    );
}

#[test]
fn every_real_source_has_a_readable_name_in_both_languages() {
    use iop_web::i18n::Lang;
    use iop_web::pages::listing::source_label;
    let names = [
        iop_ingest::findtreatment::SOURCE_NAME,
        iop_ingest::locator2018::SOURCE_NAME,
        iop_ingest::ca2025::SOURCE_NAME,
        iop_ingest::otp::SOURCE,
        iop_ingest::national2021::SOURCE,
        iop_ingest::dhcs::SOURCE,
        iop_ingest::nppes::SOURCE_NAME,
        iop_ingest::sheets::SOURCE,
        iop_ingest::pipeline::HSDS3_SOURCE,
        iop_hsds::miami::SOURCE,
        iop_hsds::ohana::SOURCE,
    ];
    for name in names {
        for lang in [Lang::En, Lang::Es] {
            let label = source_label(lang, name).unwrap_or_else(|| panic!("{name} has no name"));
            assert_ne!(label, name);
        }
    }
}
