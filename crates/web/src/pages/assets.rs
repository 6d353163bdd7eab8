//! The stylesheet, the small script, the icon and the partner widget, compiled into the binary
//! and served from our own origin.
//!
//! Each asset's URL carries a hash of its content (`/assets/site.3f9a0c1d2e.css`), so it can be
//! cached for a year: a new build with a changed file has a new URL. `/widget.js` is the
//! exception, because partner pages link it by a fixed URL: it is cached for an hour.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One compiled-in file.
#[derive(Debug)]
pub struct Asset {
    /// Name before the hash (`site`).
    stem: &'static str,
    /// Extension (`css`).
    ext: &'static str,
    /// `Content-Type`.
    content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
}

/// The stylesheet.
pub static CSS: Asset = Asset {
    stem: "site",
    ext: "css",
    content_type: "text/css; charset=utf-8",
    body: include_bytes!("../../assets/site.css"),
};

/// Progressive enhancements ("use my location", the embed's height messages).
pub static APP_JS: Asset = Asset {
    stem: "app",
    ext: "js",
    content_type: "text/javascript; charset=utf-8",
    body: include_bytes!("../../assets/app.js"),
};

/// The site icon.
pub static ICON: Asset = Asset {
    stem: "icon",
    ext: "svg",
    content_type: "image/svg+xml",
    body: include_bytes!("../../assets/icon.svg"),
};

/// The partner widget, served at `/widget.js`.
pub static WIDGET_JS: &[u8] = include_bytes!("../../assets/widget.js");

const ALL: [&Asset; 3] = [&CSS, &APP_JS, &ICON];

impl Asset {
    /// The versioned file name, `site.<hash>.css`.
    pub fn file_name(&self) -> &'static str {
        static NAMES: OnceLock<Vec<String>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            ALL.iter().map(|a| format!("{}.{}.{}", a.stem, fnv1a_hex(a.body), a.ext)).collect()
        });
        let i = ALL.iter().position(|a| std::ptr::eq(*a, self)).expect("every asset is in ALL");
        &names[i]
    }

    /// The URL path, `/assets/site.<hash>.css`.
    pub fn url(&self) -> String {
        format!("/assets/{}", self.file_name())
    }
}

/// 40 bits of FNV-1a as hex: enough to tell builds apart, not a security hash.
fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:010x}", h & 0xff_ffff_ffff)
}

/// `GET /assets/{file}`: a versioned asset, cached for a year; 404 for any other name
/// (including an old hash, which a stale page may ask for: it then renders unstyled rather
/// than with a stylesheet that does not match it).
pub async fn serve(Path(file): Path<String>) -> Response {
    match ALL.iter().find(|a| a.file_name() == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `GET /widget.js`: the partner widget. Partners include it from their own pages, so it must
/// be loadable cross-origin (`Cross-Origin-Resource-Policy: cross-origin`).
pub async fn widget() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ],
        WIDGET_JS,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_content_hash() {
        let name = CSS.file_name();
        assert!(name.starts_with("site.") && name.ends_with(".css"), "{name}");
        assert_eq!(name.len(), "site..css".len() + 10);
        assert_ne!(CSS.file_name(), APP_JS.file_name());
        assert_ne!(fnv1a_hex(b"a"), fnv1a_hex(b"b"));
        assert_eq!(APP_JS.url(), format!("/assets/{}", APP_JS.file_name()));
    }
}
