//! The search page (`GET /`) and the embed (`GET /embed`): the form, the results with their
//! map, pagination, the empty state, and errors shown beside the form.

use iop_core::distance::m_to_miles;
use iop_core::search::{FacetCounts, Hit, SearchResults};
use iop_core::{Group, Vocabulary};
use iop_geo::Place;
use maud::{Markup, html};

use super::common::{
    self, address_line, badges, label_or_value, listing_href, not_on_file, outbound_links, phones,
};
use super::layout::Ctx;
use super::map::{self, Pin};
use super::url::QueryPairs;
use crate::i18n::{self, Msg};
use crate::params::{DEFAULT_RADIUS_MI, MAX_RADIUS_MI};

/// A search as answered, for rendering.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    /// The index's answer.
    pub results: &'a SearchResults,
    /// 1-based page shown.
    pub page: usize,
    /// Results per page.
    pub per_page: usize,
    /// The geocoded location, if the search had one.
    pub place: Option<&'a Place>,
    /// The radius used with `place`.
    pub radius_mi: f64,
    /// The state searched instead of a radius.
    pub state: Option<&'a str>,
}

/// A parameter error shown beside the form.
#[derive(Clone, Debug)]
pub struct FormError {
    /// The parameter at fault (`near`, `radius_mi`), to mark its field.
    pub param: Option<String>,
    /// One sentence in the page's language.
    pub message: String,
    /// (label, link) pairs: the same search with the suggestion put in.
    pub suggestions: Vec<(String, String)>,
}

/// Radius choices, miles.
const RADII: [f64; 7] = [5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0];

/// Groups shown as filters below level of care, in this order.
const FILTER_GROUPS: [Group; 6] = [
    Group::Schedule,
    Group::Payment,
    Group::Population,
    Group::Language,
    Group::Modality,
    Group::Medication,
];

/// The body of the search page or of the embed.
pub fn search_body(ctx: &Ctx, outcome: Option<&Outcome<'_>>, error: Option<&FormError>) -> Markup {
    html! {
        // The embed keeps its heading for screen readers only: the partner page has its own.
        h1 .sr[ctx.embed] { (ctx.t(Msg::SearchHeading)) }
        (form(ctx, outcome, error))
        @match outcome {
            Some(o) => (results(ctx, o)),
            None => @if error.is_none() { p .note #start { (ctx.t(Msg::StartHint)) } },
        }
    }
}

fn form(ctx: &Ctx, outcome: Option<&Outcome<'_>>, error: Option<&FormError>) -> Markup {
    let q = &ctx.query;
    let lang = ctx.lang;
    // The empty form starts with IOP checked: it is what this site is for. Once the user has
    // searched, the form shows exactly what was asked.
    let fresh = !q.has_other_than(&["lang"]);
    let selected = |g: Group| -> Vec<String> {
        if fresh && g == Group::Level {
            vec!["iop".to_owned()]
        } else {
            q.list(g.as_str()).iter().map(|s| s.to_lowercase()).collect()
        }
    };
    let facets = outcome.map(|o| &o.results.facets);
    let err_param = error.and_then(|e| e.param.as_deref());
    // The filters are open on the empty form and when one of them is wrong; after a search they
    // fold away (their summary lists what is chosen) so that the results, or the suggestions
    // for an empty search, are on the first screen of a phone.
    let filter_error =
        err_param.is_some_and(|p| p.parse::<Group>().is_ok() || p == "include_unknown");
    let radius = q
        .get("radius_mi")
        .and_then(|r| r.parse::<f64>().ok())
        .filter(|r| r.is_finite())
        .unwrap_or(DEFAULT_RADIUS_MI);
    let mut radii: Vec<f64> = RADII.to_vec();
    if !radii.contains(&radius) && (1.0..=MAX_RADIUS_MI).contains(&radius) {
        radii.push(radius);
        radii.sort_by(f64::total_cmp);
    }
    let action = if ctx.embed { "/embed" } else { "/" };
    let sort = q.get("sort").unwrap_or("");
    // What is chosen, for the summary of the (possibly closed) filters.
    let chosen: Vec<String> = Group::ALL
        .iter()
        .flat_map(|g| selected(*g).into_iter().map(move |v| common::label_or_value(lang, *g, &v)))
        .collect();
    html! {
        form .search #search role="search" action=(action) method="get" aria-label=(ctx.t(Msg::SearchFormLabel)) {
            @if let Some(e) = error { (error_box(ctx, e)) }
            input type="hidden" name="lang" value=(lang.code());
            @if let Some(pp) = q.get("per_page") {
                input type="hidden" name="per_page" value=(pp);
            }
            div .row {
                div .field {
                    label for="near" { (ctx.t(Msg::LocationLabel)) span .hint #near-hint { (ctx.t(Msg::LocationHint)) } }
                    input #near type="text" name="near" value=(q.get("near").unwrap_or(""))
                        autocomplete="postal-code" inputmode="text" maxlength="100"
                        aria-describedby={ "near-hint" @if err_param == Some("near") { " form-error" } }
                        aria-invalid=[(err_param == Some("near")).then_some("true")];
                    span #locate data-label=(ctx.t(Msg::UseMyLocation)) data-failed=(ctx.t(Msg::LocatingFailed)) {}
                    span #locate-msg .hint role="status" {}
                }
                div .field {
                    label for="radius" { (ctx.t(Msg::RadiusLabel)) }
                    select #radius name="radius_mi"
                        aria-invalid=[(err_param == Some("radius_mi")).then_some("true")] {
                        @for r in &radii {
                            option value=(r) selected[*r == radius] { (i18n::within_miles(lang, *r)) }
                        }
                    }
                }
            }
            @if !ctx.embed {
                div .row {
                    div .field {
                        label for="q" { (ctx.t(Msg::TextLabel)) span .hint #q-hint { (ctx.t(Msg::TextHint)) } }
                        input #q type="search" name="q" value=(q.get("q").unwrap_or("")) maxlength="200"
                            aria-describedby="q-hint" aria-invalid=[(err_param == Some("q")).then_some("true")];
                    }
                    div .field {
                        label for="sort" { (ctx.t(Msg::SortLabel)) }
                        select #sort name="sort" {
                            option value="" selected[sort.is_empty()] { (ctx.t(Msg::SortAuto)) }
                            option value="distance" selected[sort == "distance"] { (ctx.t(Msg::SortDistance)) }
                            option value="relevance" selected[sort == "relevance"] { (ctx.t(Msg::SortRelevance)) }
                            option value="name" selected[sort == "name"] { (ctx.t(Msg::SortName)) }
                        }
                    }
                }
            }
            details #filters .filters open[(outcome.is_none() && error.is_none()) || filter_error] {
                summary {
                    (ctx.t(Msg::FiltersHeading))
                    @if !chosen.is_empty() { ": " span .n { (chosen.join(", ")) } }
                }
                fieldset #f-level data-test="facet-level" {
                    legend { (Group::Level.label(lang)) }
                    (options(ctx, Group::Level, &selected(Group::Level), facets.and_then(|f| f.get(&Group::Level))))
                }
                @if facets.is_some() { p .hint { (ctx.t(Msg::FacetCountNote)) } }
                @for g in FILTER_GROUPS.into_iter().filter(|g| shows_choices(*g, &selected(*g), facets.and_then(|f| f.get(g)))) {
                    @let sel = selected(g);
                    details .grp open[!sel.is_empty() || err_param == Some(g.as_str())] {
                        summary {
                            (g.label(lang))
                            @if !sel.is_empty() { " (" (i18n::chosen(lang, sel.len())) ")" }
                        }
                        fieldset #{ "f-" (g.as_str()) } data-test={ "facet-" (g.as_str()) } {
                            legend .sr { (g.label(lang)) }
                            (options(ctx, g, &sel, facets.and_then(|f| f.get(&g))))
                        }
                    }
                }
                p {
                    label .chk {
                        input #include-unknown type="checkbox" name="include_unknown" value="true"
                            checked[q.get("include_unknown").is_some_and(|v| matches!(v, "true" | "1" | "on" | "yes"))]
                            aria-describedby="iu-hint";
                        span { (ctx.t(Msg::IncludeUnknown)) span .hint #iu-hint { (ctx.t(Msg::IncludeUnknownHint)) } }
                    }
                }
            }
            button type="submit" { (ctx.t(Msg::SubmitSearch)) }
        }
    }
}

/// Whether a group has anything to offer: with results, a long group whose every value would
/// give nothing (and none is checked) is left out, like its values (see [`options`]).
fn shows_choices(group: Group, selected: &[String], counts: Option<&FacetCounts>) -> bool {
    match counts {
        Some(c) if prunable(group) => !selected.is_empty() || c.values.values().any(|n| *n > 0),
        _ => true,
    }
}

/// The groups whose zero-count values are left out once there are results.
fn prunable(group: Group) -> bool {
    !matches!(group, Group::Level | Group::Schedule)
}

/// The checkboxes of one group, with facet counts when there are results. Labels wrap their
/// checkbox (no ids to pair), which keeps the ~80 checkboxes of a page small.
///
/// With results, the long groups (everything but level of care and schedule) leave out the
/// values that would give no results, unless they are checked: a choice that can only empty
/// the list is noise, and on a phone it is a lot of scrolling.
fn options(ctx: &Ctx, group: Group, selected: &[String], counts: Option<&FacetCounts>) -> Markup {
    let values = Vocabulary::get().values(group);
    let name = group.as_str();
    let prune = prunable(group);
    html! {
        div .opts {
            @for v in values {
                @let n = counts.map(|c| c.values.get(&v.value).copied().unwrap_or(0));
                @if prune && n == Some(0) && !selected.contains(&v.value) { }
                @else {
                label class=[(n == Some(0)).then_some("zero")] {
                    input type="checkbox" name=(name) value=(v.value) checked[selected.contains(&v.value)];
                    span {
                        (v.label(ctx.lang))
                        @if let Some(n) = n { " " span .n { "(" (n) ")" } }
                    }
                }
                }
            }
        }
        @if let Some(c) = counts.filter(|c| c.unknown > 0) {
            p .hint { (i18n::unknown_count(ctx.lang, c.unknown)) }
        }
    }
}

fn error_box(ctx: &Ctx, e: &FormError) -> Markup {
    html! {
        div .err #form-error role="alert" data-test="form-error" {
            h2 { (ctx.t(Msg::FormErrorHeading)) }
            p #form-error-msg { (e.message) }
            @if !e.suggestions.is_empty() {
                p data-test="suggestions" {
                    (ctx.t(Msg::DidYouMean)) " "
                    @for (i, (label, href)) in e.suggestions.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(href) { (label) }
                    }
                }
            }
        }
    }
}

fn results(ctx: &Ctx, o: &Outcome<'_>) -> Markup {
    let lang = ctx.lang;
    let r = o.results;
    let first = (o.page.saturating_sub(1)) * o.per_page + 1;
    let scope = match (o.place, o.state) {
        (Some(p), _) => Some(i18n::within_of(lang, o.radius_mi, &p.label)),
        (None, Some(s)) => {
            Some(i18n::in_state(lang, iop_core::states::by_code(s).map_or(s, |st| st.name)))
        }
        (None, None) => None,
    };
    let pins: Vec<Pin> = r
        .hits
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            h.listing.location.map(|l| Pin { n: first + i, lat: l.lat, lon: l.lon })
        })
        .collect();
    html! {
        section #results aria-labelledby="results-h" {
            h2 #results-h .sr { (ctx.t(Msg::ResultsHeading)) }
            p #result-count .count role="status" aria-live="polite" data-test="result-count" data-total=(r.total) {
                (i18n::programs_found(lang, r.total))
                @if let Some(s) = &scope { " " (s) }
            }
            @if r.hits.is_empty() {
                (empty_state(ctx, o))
            } @else {
                (map::results_map(&pins, o.place.map(|p| (p.lat, p.lon)), map::Labels {
                    title: ctx.t(Msg::MapTitle), desc: ctx.t(Msg::MapDesc),
                    place: o.place.map(|p| p.label.as_str()),
                }, map::Zoom::Results))
                @if !ctx.embed { p .note .noprint { (ctx.t(Msg::ReferralHowTo)) } }
                ol .results start=(first) aria-label=(ctx.t(Msg::ResultsListLabel)) {
                    @for (i, hit) in r.hits.iter().enumerate() {
                        (card(ctx, first + i, hit))
                    }
                }
                @if !ctx.embed {
                    form #referral .refbar action="/referral" method="get" {
                        input type="hidden" name="lang" value=(lang.code());
                        button type="submit" .sec { (ctx.t(Msg::MakeReferral)) }
                    }
                }
                (pager(ctx, r.total, o.page, o.per_page))
            }
        }
    }
}

/// One result.
pub fn card(ctx: &Ctx, n: usize, hit: &Hit) -> Markup {
    let l = &hit.listing;
    let lang = ctx.lang;
    let addr = address_line(l);
    let embed = ctx.embed;
    html! {
        li .card #{ "r" (n) } data-id=(l.id) {
            h3 {
                span .num { (n) } " "
                @if embed {
                    a href=(listing_href(ctx, &l.id)) data-listing=(l.id) target="_blank" rel="noopener" {
                        (l.name) span .sr { " " (ctx.t(Msg::NewTab)) }
                    }
                } @else {
                    a href=(listing_href(ctx, &l.id)) { (l.name) }
                }
            }
            @if let Some(alt) = &l.alt_name { p .alt { (alt) } }
            @if hit.distance_m.is_some() || !addr.is_empty() {
                p .dist {
                    @if let Some(m) = hit.distance_m {
                        strong { (i18n::miles(lang, m_to_miles(m))) }
                        @if l.location.is_some_and(|loc| loc.approximate) { " (" (ctx.t(Msg::Approximate)) ")" }
                        @if !addr.is_empty() { " · " }
                    }
                    (addr)
                }
            }
            @if l.stale { p .stale { (ctx.t(Msg::Stale)) } }
            @match l.accepting_new_clients {
                Some(true) => p { (ctx.t(Msg::Accepting)) },
                Some(false) => p .stale { (ctx.t(Msg::NotAccepting)) },
                None => {},
            }
            p .acts { (phones(ctx, l)) (outbound_links(ctx, l)) }
            (badges(ctx, l))
            (not_on_file(ctx, l))
            (why(ctx, hit))
            @if !embed {
                label .chk .noprint {
                    input type="checkbox" name="ids" value=(l.id) form="referral";
                    (ctx.t(Msg::AddToReferral)) span .sr { " — " (l.name) }
                }
            }
        }
    }
}

/// "Why it matched": filters hit, words found, virtual service, details unknown.
fn why(ctx: &Ctx, hit: &Hit) -> Markup {
    let m = &hit.matched;
    let lang = ctx.lang;
    let filters: Vec<String> = m
        .filters
        .iter()
        .flat_map(|(g, vs)| vs.iter().map(move |v| label_or_value(lang, *g, v)))
        .collect();
    let unknown: Vec<&str> = m.unknown.iter().map(|g| g.label(lang)).collect();
    let mut parts: Vec<String> = Vec::new();
    if !filters.is_empty() {
        parts.push(format!("{}: {}", ctx.t(Msg::MatchedFilters), filters.join(", ")));
    }
    if !m.text.is_empty() {
        parts.push(format!("{}: {}", ctx.t(Msg::MatchedWords), m.text.join(", ")));
    }
    let any = !parts.is_empty() || m.virtual_match || !unknown.is_empty();
    html! {
        @if any {
            p .why {
                span .sr { (ctx.t(Msg::WhyMatched)) ": " }
                @if m.virtual_match { span .virt { (ctx.t(Msg::ServesStateVirtually)) } }
                @if m.virtual_match && !parts.is_empty() { " · " }
                (parts.join(" · "))
                @if !unknown.is_empty() {
                    @if m.virtual_match || !parts.is_empty() { " · " }
                    span .why-unk { (ctx.t(Msg::DetailsUnknownFor)) ": " (unknown.join(", ")) }
                }
            }
        }
    }
}

/// Previous / numbered / next links, keeping every other parameter.
fn pager(ctx: &Ctx, total: u64, page: usize, per_page: usize) -> Markup {
    let per_page = per_page.max(1);
    let pages = usize::try_from(total.div_ceil(per_page as u64)).unwrap_or(usize::MAX);
    // The deepest page the parameters accept (see params::MAX_RESULT_WINDOW).
    let pages = pages.min(crate::params::MAX_RESULT_WINDOW / per_page);
    if pages <= 1 {
        return html! {};
    }
    let path = if ctx.embed { "/embed" } else { "/" };
    let href = |p: usize| {
        let q = ctx.query.with("page", (p > 1).then(|| p.to_string()).as_deref());
        q.href(path)
    };
    let mut shown: Vec<usize> = vec![1, pages];
    shown.extend(page.saturating_sub(2).max(1)..=(page + 2).min(pages));
    shown.sort_unstable();
    shown.dedup();
    html! {
        nav .pager aria-label=(ctx.t(Msg::PagesLabel)) data-test="pager" {
            ul {
                @if page > 1 { li { a href=(href(page - 1)) rel="prev" data-test="prev" { (ctx.t(Msg::Previous)) } } }
                @for (i, p) in shown.iter().enumerate() {
                    @if i > 0 && *p > shown[i - 1] + 1 { li { span aria-hidden="true" { "…" } } }
                    li {
                        @if *p == page {
                            a href=(href(*p)) aria-current="page" { span .sr { (ctx.t(Msg::PageWord)) " " } (p) }
                        } @else {
                            a href=(href(*p)) { span .sr { (ctx.t(Msg::PageWord)) " " } (p) }
                        }
                    }
                }
                @if page < pages { li { a href=(href(page + 1)) rel="next" data-test="next" { (ctx.t(Msg::Next)) } } }
            }
        }
    }
}

/// No results: say so, and offer the searches most likely to find something.
fn empty_state(ctx: &Ctx, o: &Outcome<'_>) -> Markup {
    let path = if ctx.embed { "/embed" } else { "/" };
    let q = ctx.query.without(&["page"]);
    let has_filters = Group::ALL.iter().any(|g| q.has(g.as_str()));
    let include_unknown =
        q.get("include_unknown").is_some_and(|v| matches!(v, "true" | "1" | "on" | "yes"));
    let wider = (o.place.is_some() && o.radius_mi < MAX_RADIUS_MI)
        .then(|| (o.radius_mi * 2.0).clamp(1.0, MAX_RADIUS_MI));
    let no_filters = q.without(&Group::ALL.map(|g| g.as_str()));
    html! {
        div .empty #empty data-test="empty" {
            p { strong { (ctx.t(Msg::NoResults)) } }
            @if o.page > 1 && o.results.total > 0 {
                p { a href=(q.href(path)) { (i18n::page_n(ctx.lang, 1)) } }
            }
            p { (ctx.t(Msg::TryThis)) }
            ul {
                @if let Some(r) = wider {
                    li { a data-test="wider" href=(q.with("radius_mi", Some(&r.to_string())).href(path)) { (i18n::try_wider(ctx.lang, r)) } }
                }
                @if has_filters && !include_unknown {
                    li { a data-test="include-unknown" href=(q.with("include_unknown", Some("true")).href(path)) { (ctx.t(Msg::TryIncludeUnknown)) } }
                }
                @if has_filters {
                    li { a data-test="no-filters" href=(no_filters.href(path)) { (ctx.t(Msg::TryRemoveFilters)) } }
                }
                @if q.has("q") {
                    li { a data-test="no-words" href=(q.with("q", None).href(path)) { (ctx.t(Msg::TryRemoveWords)) } }
                }
            }
        }
    }
}

/// The query of the same search with `near` replaced (for "did you mean" links).
pub fn with_near(q: &QueryPairs, near: &str) -> QueryPairs {
    q.without(&["page"]).with("near", Some(near))
}
