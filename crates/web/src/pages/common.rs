//! Pieces of a listing shown on several pages: address, phones, links, badges, and the line
//! that says what is not on file.

use iop_core::listing::Tri;
use iop_core::schedule::FACETS;
use iop_core::{Attr, Group, Listing, Vocabulary, phone};
use maud::{Markup, html};

use super::layout::Ctx;
use super::url::{QueryPairs, encode_into};
use crate::i18n::{Lang, Msg};

/// The listing page's path, `/listings/{id}` (the id percent-encoded, though well-formed ids
/// need none).
pub fn listing_path(id: &str) -> String {
    let mut p = String::from("/listings/");
    encode_into(&mut p, id);
    p.replace('+', "%20")
}

/// `/listings/{id}` with the page's language kept.
pub fn listing_href(ctx: &Ctx, id: &str) -> String {
    ctx.link(&listing_path(id), &QueryPairs::default())
}

/// "123 Main St, Suite 4, Charlottesville, VA 22902".
pub fn address_line(l: &Listing) -> String {
    let a = &l.address;
    let state_zip = match (&a.state, &a.zip) {
        (Some(s), Some(z)) => Some(format!("{s} {z}")),
        (Some(s), None) => Some(s.clone()),
        (None, Some(z)) => Some(z.clone()),
        (None, None) => None,
    };
    [a.street.clone(), a.street2.clone(), a.city.clone(), state_zip]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plain `https://www.google.com/maps/dir/` link for directions: opened only when the user
/// clicks it, never requested by the page. The point where it is the program's own; otherwise
/// the street address; otherwise the approximate point.
pub fn directions_href(l: &Listing) -> Option<String> {
    let dest = match l.location {
        Some(loc) if !loc.approximate => format!("{},{}", coord(loc.lat), coord(loc.lon)),
        _ if l.address.street.is_some() => address_line(l),
        _ => {
            let loc = l.location?;
            format!("{},{}", coord(loc.lat), coord(loc.lon))
        }
    };
    let mut href = String::from("https://www.google.com/maps/dir/?api=1&destination=");
    encode_into(&mut href, &dest);
    Some(href)
}

/// Degrees with at most five decimals (about a metre), without trailing zeros.
fn coord(x: f64) -> String {
    let s = format!("{x:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A `geo:` URI, which phones open in the user's own maps app.
pub fn geo_uri(l: &Listing) -> Option<String> {
    let loc = l.location?;
    Some(format!("geo:{},{}", coord(loc.lat), coord(loc.lon)))
}

/// A tap-to-call link: `tel:+14349798871`, shown as `(434) 979-8871`.
pub fn tel(e164: &str) -> Markup {
    html! { a href={ "tel:" (e164) } { (phone::display(e164)) } }
}

/// The phones as "Call (434) 979-8871 · Intake: (434) ... · Hotline: ...".
pub fn phones(ctx: &Ctx, l: &Listing) -> Markup {
    let p = &l.phones;
    let others = [(Msg::Intake, &p.intake), (Msg::Hotline, &p.hotline)];
    html! {
        @if let Some(main) = &p.main {
            span { (ctx.t(Msg::Call)) " " (tel(main)) }
        }
        @for (label, number) in others {
            @if let Some(n) = number {
                @if p.main.as_ref() != Some(n) {
                    span { (ctx.t(label)) ": " (tel(n)) }
                }
            }
        }
    }
}

/// Website, directions and maps-app links. In the embed they open in a new tab.
pub fn outbound_links(ctx: &Ctx, l: &Listing) -> Markup {
    let new_tab = ctx.embed;
    html! {
        @if let Some(w) = l.website.as_deref().filter(|w| is_web_url(w)) {
            a href=(w) rel="noreferrer nofollow" target=[new_tab.then_some("_blank")] {
                (ctx.t(Msg::Website))
                @if new_tab { span .sr { " " (ctx.t(Msg::NewTab)) } }
            }
        }
        @if let Some(d) = directions_href(l) {
            a href=(d) rel="noreferrer" target=[new_tab.then_some("_blank")] {
                (ctx.t(Msg::Directions))
                @if new_tab { span .sr { " " (ctx.t(Msg::NewTab)) } }
            }
        }
        @if let Some(g) = geo_uri(l) {
            a href=(g) { (ctx.t(Msg::OpenInMapsApp)) }
        }
    }
}

/// Only `http(s)` links are shown: a `javascript:` URL from a source would be a script.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The label of a value (`iop` -> "Intensive outpatient (IOP)").
pub fn label(lang: Lang, group: Group, value: &str) -> &'static str {
    let v = Vocabulary::get();
    // The vocabulary is a static, so its labels live for the whole program.
    v.value(group, value).map_or("", |val| val.label(lang))
}

/// The label of a value, or the value itself when it is not in the vocabulary.
pub fn label_or_value(lang: Lang, group: Group, value: &str) -> String {
    match label(lang, group, value) {
        "" => value.to_owned(),
        l => l.to_owned(),
    }
}

/// The values of a group that hold, as labels: for schedule, the facets that hold.
pub fn known_values(lang: Lang, l: &Listing, group: Group) -> Vec<String> {
    match l.attr(group) {
        Some(attr) => attr.values().map(|v| label_or_value(lang, group, v)).collect(),
        None => FACETS
            .iter()
            .filter(|f| l.schedule.facet(f) == Tri::Yes)
            .map(|f| label_or_value(lang, Group::Schedule, f))
            .collect(),
    }
}

/// The groups shown as badges on a result card, in this order.
pub const CARD_GROUPS: [Group; 4] =
    [Group::Level, Group::Schedule, Group::Payment, Group::Language];

/// Badges for what is known of the card groups.
pub fn badges(ctx: &Ctx, l: &Listing) -> Markup {
    let items: Vec<String> =
        CARD_GROUPS.iter().flat_map(|g| known_values(ctx.lang, l, *g)).collect();
    html! {
        @if !items.is_empty() {
            ul .badges {
                @for i in &items { li { (i) } }
            }
        }
    }
}

/// "Not on file: Schedule, Payment. Only partly on file: Level of care." — never shown as "no".
pub fn not_on_file(ctx: &Ctx, l: &Listing) -> Markup {
    let unknown = l.unknown_groups();
    let partial = l.incomplete_groups();
    let names = |gs: &[Group]| gs.iter().map(|g| g.label(ctx.lang)).collect::<Vec<_>>().join(", ");
    html! {
        @if !unknown.is_empty() || !partial.is_empty() {
            p .unk {
                @if !unknown.is_empty() {
                    strong { (ctx.t(Msg::NotOnFile)) ": " } (names(&unknown)) ". "
                }
                @if !partial.is_empty() {
                    strong { (ctx.t(Msg::PartlyOnFile)) ": " } (names(&partial)) ". "
                }
            }
        }
    }
}

/// How one group reads on the listing page: values, "includes at least", none, or not on file.
pub fn group_value(ctx: &Ctx, l: &Listing, group: Group) -> Markup {
    let values = known_values(ctx.lang, l, group);
    let state = match l.attr(group) {
        Some(Attr::Unknown) => None,
        Some(Attr::Partial(_)) => Some(true),
        Some(Attr::Known(_)) => Some(false),
        None if l.schedule.is_unknown() => None,
        None => Some(false),
    };
    html! {
        @match state {
            None => span .unk data-test="not-on-file" { (ctx.t(Msg::NotOnFile)) },
            Some(partial) => {
                @if values.is_empty() {
                    (ctx.t(Msg::NoneListed))
                } @else {
                    @if partial { em { (ctx.t(Msg::AtLeast)) ": " } }
                    (values.join(", "))
                }
            }
        }
    }
}
