//! The frame of every page: language, skip link, crisis lines, header, footer.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::url::QueryPairs;
use crate::i18n::{Lang, Msg, t};

/// What the frame needs to know about the request.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Page language.
    pub lang: Lang,
    /// The request path (`/`, `/listings/x`), for the language switch.
    pub path: String,
    /// The query string, for the language switch (which keeps everything but `lang`).
    pub query: QueryPairs,
    /// Minimal chrome for the partner iframe.
    pub embed: bool,
}

impl Ctx {
    /// A context for a full page.
    pub fn new(lang: Lang, path: &str, query: QueryPairs) -> Ctx {
        Ctx { lang, path: path.to_owned(), query, embed: false }
    }

    /// The text of `msg` in this page's language.
    pub fn t(&self, msg: Msg) -> &'static str {
        t(self.lang, msg)
    }

    /// The other language.
    pub fn other_lang(&self) -> Lang {
        match self.lang {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }

    /// A link to `path` with `query`, keeping the page's language when the user chose it
    /// explicitly (`lang=` in the URL); otherwise the browser's preference will choose again.
    pub fn link(&self, path: &str, query: &QueryPairs) -> String {
        if self.query.get("lang").is_some() {
            query.with("lang", Some(self.lang.code())).href(path)
        } else {
            query.href(path)
        }
    }
}

/// The crisis lines, on every page, in the page's language. Numbers are tap-to-call links.
pub fn crisis_banner(lang: Lang) -> Markup {
    html! {
        aside #crisis .crisis aria-label=(t(lang, Msg::CrisisLabel)) data-test="crisis" {
            div .wrap {
                p {
                    strong { (t(lang, Msg::CrisisIntro)) } " "
                    a href="tel:988" data-test="call-988" { (t(lang, Msg::CrisisCall988)) }
                    " · "
                    a href="sms:988" { (t(lang, Msg::CrisisText988)) }
                    " — " (t(lang, Msg::Crisis988Name))
                }
                p {
                    (t(lang, Msg::CrisisSamhsaName)) ": "
                    a href="tel:+18006624357" data-test="call-samhsa" { "1-800-662-4357" }
                    " — " (t(lang, Msg::CrisisSamhsaNote))
                }
            }
        }
    }
}

/// A whole HTML document: `title` is this page's own title (the site name is added).
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    let lang = ctx.lang;
    let other = ctx.other_lang();
    let switch = ctx.query.with("lang", Some(other.code())).href(&ctx.path);
    let full_title = if title.is_empty() {
        ctx.t(Msg::SiteName).to_owned()
    } else {
        format!("{title} · {}", ctx.t(Msg::SiteName))
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) data-embed[ctx.embed] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // Result URLs carry the searched place: never send them to other sites.
                meta name="referrer" content="no-referrer";
                title { (full_title) }
                meta name="description" content=(ctx.t(Msg::Tagline));
                link rel="stylesheet" href=(assets::CSS.url());
                link rel="icon" href=(assets::ICON.url()) type="image/svg+xml";
                script src=(assets::APP_JS.url()) defer {}
            }
            body {
                a .skip href="#main" { (ctx.t(Msg::SkipToMain)) }
                (crisis_banner(lang))
                @if ctx.embed {
                    main #main tabindex="-1" { div .wrap { (body) } }
                    footer .site { div .wrap {
                        a href="/" target="_blank" rel="noopener" { (ctx.t(Msg::EmbedPoweredBy)) " " span .sr { (ctx.t(Msg::NewTab)) } }
                        " · " (ctx.t(Msg::FooterNoAds))
                    } }
                } @else {
                    header .site {
                        div .wrap {
                            a .brand href=(ctx.link("/", &QueryPairs::default())) { (ctx.t(Msg::SiteName)) }
                            nav aria-label=(ctx.t(Msg::NavLabel)) {
                                ul {
                                    li { a href=(ctx.link("/", &QueryPairs::default())) { (ctx.t(Msg::NavSearch)) } }
                                    li { a #lang-switch href=(switch) lang=(other.code()) hreflang=(other.code()) { (ctx.t(Msg::LanguageSwitch)) } }
                                }
                            }
                            p .tag { (ctx.t(Msg::Tagline)) }
                        }
                    }
                    main #main tabindex="-1" { div .wrap { (body) } }
                    footer .site {
                        div .wrap {
                            p { (ctx.t(Msg::FooterNoAds)) }
                            p { (ctx.t(Msg::FooterPrivacy)) " " (ctx.t(Msg::FooterCheck)) }
                            p { (ctx.t(Msg::FooterData)) }
                            p .api { a href="/api/openapi.json" { (ctx.t(Msg::FooterApi)) } }
                        }
                    }
                }
            }
        }
    }
}
