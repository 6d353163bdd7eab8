//! The referral sheet (`GET /referral?ids=...`), its plain-text twin (`GET /referral.txt`) and a
//! `mailto:` link carrying that text. Nothing is stored: the shortlist lives in the URL.

use iop_core::listing::Tri;
use iop_core::schedule::FACETS;
use iop_core::{Group, Listing, Session, SessionKind, Weekday, phone};
use maud::{Markup, html};

use super::common::{
    address_line, badges, is_web_url, known_values, listing_href, not_on_file, outbound_links,
    phones,
};
use super::layout::Ctx;
use super::listing::clock;
use super::url::{QueryPairs, encode_mailto};
use crate::i18n::{self, Lang, Msg, t};

/// Most programs on one sheet.
pub const MAX_IDS: usize = 30;

/// The sheet's body. `missing` counts ids that were asked for but not found.
pub fn referral_body(ctx: &Ctx, listings: &[Listing], missing: usize) -> Markup {
    let ids: Vec<&str> = listings.iter().map(|l| l.id.as_str()).collect();
    let q = QueryPairs::from_pairs([("ids", ids.join(","))]);
    let text_href = ctx.link("/referral.txt", &q);
    let mailto = mailto_href(ctx.lang, listings);
    html! {
        div .sheet #referral-sheet data-test="referral" {
            h1 { (ctx.t(Msg::ReferralTitle)) }
            p { (ctx.t(Msg::ReferralIntro)) }
            @if missing > 0 { p .err role="status" data-test="missing" { (ctx.t(Msg::ReferralMissing)) } }
            p .acts .noprint {
                a href=(text_href) data-test="as-text" { (ctx.t(Msg::CopyAsText)) }
                a href=(mailto) data-test="mailto" { (ctx.t(Msg::SendByEmail)) }
            }
            p .note .noprint { (ctx.t(Msg::PrintHint)) }
            @for (i, l) in listings.iter().enumerate() {
                article data-test="referral-item" data-id=(l.id) {
                    h2 { (i + 1) ". " a href=(listing_href(ctx, &l.id)) { (l.name) } }
                    @if let Some(alt) = &l.alt_name { p .alt { (alt) } }
                    @let addr = address_line(l);
                    @if !addr.is_empty() { p { (addr) } }
                    p .acts { (phones(ctx, l)) (outbound_links(ctx, l)) }
                    @if let Some(w) = l.website.as_deref().filter(|w| is_web_url(w)) {
                        p .note { (w) }
                    }
                    @let sched = schedule_lines(ctx.lang, l);
                    @if !sched.is_empty() {
                        p { strong { (Group::Schedule.label(ctx.lang)) ": " } (sched.join("; ")) }
                    }
                    (badges(ctx, l))
                    (not_on_file(ctx, l))
                    @if l.stale { p .stale { (ctx.t(Msg::Stale)) } }
                }
            }
        }
    }
}

/// The schedule in a few phrases: facets that hold, then each session.
fn schedule_lines(lang: Lang, l: &Listing) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let facets: Vec<String> = FACETS
        .iter()
        .filter(|f| l.schedule.facet(f) == Tri::Yes)
        .map(|f| super::common::label_or_value(lang, Group::Schedule, f))
        .collect();
    if !facets.is_empty() {
        out.push(facets.join(", "));
    }
    out.extend(l.schedule.sessions.iter().map(|s| session_text(lang, s)));
    if let Some(h) = l.schedule.hours_per_week {
        out.push(format!(
            "{}: {}",
            t(lang, Msg::HoursPerWeek),
            i18n::miles_number(lang, f64::from(h))
        ));
    }
    if let Some(w) = l.schedule.duration_weeks {
        out.push(format!("{}: {}", t(lang, Msg::DurationWeeks), i18n::weeks(lang, w)));
    }
    out
}

/// "Mon, Wed, Thu 6:00 pm–9:00 pm (Program session)".
fn session_text(lang: Lang, s: &Session) -> String {
    let days: Vec<&str> = Weekday::ALL
        .iter()
        .filter(|d| s.days.contains(d))
        .map(|d| i18n::weekday(lang, *d))
        .collect();
    let kind = t(
        lang,
        match s.kind {
            SessionKind::Program => Msg::ProgramSession,
            SessionKind::OfficeHours => Msg::OfficeHours,
        },
    );
    format!("{} {}–{} ({kind})", days.join(", "), clock(lang, &s.start), clock(lang, &s.end))
}

/// The sheet as plain text, for a message or a note.
pub fn referral_text(lang: Lang, listings: &[Listing]) -> String {
    let mut out = String::new();
    out.push_str(t(lang, Msg::ReferralTitle));
    out.push_str(" — ");
    out.push_str(t(lang, Msg::SiteName));
    out.push_str("\n\n");
    for (i, l) in listings.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, l.name));
        if let Some(alt) = &l.alt_name {
            out.push_str(&format!("   {alt}\n"));
        }
        let addr = address_line(l);
        if !addr.is_empty() {
            out.push_str(&format!("   {addr}\n"));
        }
        for (label, number) in [
            (Msg::Main, &l.phones.main),
            (Msg::Intake, &l.phones.intake),
            (Msg::Hotline, &l.phones.hotline),
        ] {
            if let Some(n) = number {
                out.push_str(&format!("   {}: {}\n", t(lang, label), phone::display(n)));
            }
        }
        if let Some(w) = l.website.as_deref().filter(|w| is_web_url(w)) {
            out.push_str(&format!("   {}: {w}\n", t(lang, Msg::Website)));
        }
        for g in [Group::Level, Group::Payment, Group::Language] {
            let values = known_values(lang, l, g);
            if !values.is_empty() {
                out.push_str(&format!("   {}: {}\n", g.label(lang), values.join(", ")));
            }
        }
        let sched = schedule_lines(lang, l);
        if !sched.is_empty() {
            out.push_str(&format!("   {}: {}\n", Group::Schedule.label(lang), sched.join("; ")));
        }
        let unknown: Vec<&str> = l.unknown_groups().iter().map(|g| g.label(lang)).collect();
        if !unknown.is_empty() {
            out.push_str(&format!("   {}: {}\n", t(lang, Msg::NotOnFile), unknown.join(", ")));
        }
        if l.stale {
            out.push_str(&format!("   {}\n", t(lang, Msg::Stale)));
        }
        out.push('\n');
    }
    out.push_str(t(lang, Msg::FooterCheck));
    out.push_str("\n\n");
    out.push_str(&crisis_text(lang));
    out
}

/// The crisis lines as text.
pub fn crisis_text(lang: Lang) -> String {
    format!(
        "{} {} / {} — {}\n{}: 1-800-662-4357 — {}\n",
        t(lang, Msg::CrisisIntro),
        t(lang, Msg::CrisisCall988),
        t(lang, Msg::CrisisText988),
        t(lang, Msg::Crisis988Name),
        t(lang, Msg::CrisisSamhsaName),
        t(lang, Msg::CrisisSamhsaNote),
    )
}

/// `mailto:?subject=...&body=...` with the plain text (the user's own mail program sends it).
pub fn mailto_href(lang: Lang, listings: &[Listing]) -> String {
    format!(
        "mailto:?subject={}&body={}",
        encode_mailto(t(lang, Msg::ReferralTitle)),
        encode_mailto(&referral_text(lang, listings))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use iop_core::{Attr, Phones};

    #[test]
    fn text_names_what_is_known_and_what_is_not() {
        let l = Listing {
            id: "t-0123456789abcdef".into(),
            name: "Region Ten".into(),
            phones: Phones { main: Some("+14349721800".into()), ..Phones::default() },
            levels: Attr::known(["iop"]),
            payments: Attr::known(["medicaid"]),
            ..Listing::default()
        };
        let text = referral_text(Lang::En, std::slice::from_ref(&l));
        assert!(text.contains("1. Region Ten\n"), "{text}");
        assert!(text.contains("Main: (434) 972-1800"), "{text}");
        assert!(text.contains("Payment: Medicaid"), "{text}");
        assert!(text.contains("Not on file: Therapies, Medications, Schedule"), "{text}");
        assert!(text.contains("988") && text.contains("1-800-662-4357"));
        let es = referral_text(Lang::Es, &[l]);
        assert!(es.contains("No consta") && es.contains("Pago: Medicaid"), "{es}");
        assert!(mailto_href(Lang::En, &[]).starts_with("mailto:?subject=Referral%20sheet&body="));
    }
}
