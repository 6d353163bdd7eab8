//! The results map: inline SVG drawn on the server from the shipped US state outlines, zoomed to
//! the results, with numbered pins that match the numbered list. No tiles, no script, no
//! request to anyone.
//!
//! The outlines ([`iop_geo::map::StateOutlines`]) are loaded once, on first use, from the data
//! directory: [`init`] sets it (the server should call it with its `--data` path); otherwise the
//! `IOP_DATA` environment variable (the CLI's own `--data` default), then `data/` under the
//! working directory, then the repository's `data/` (for tests and `cargo run` from anywhere in
//! the tree). Without outlines
//! the map still shows the pins, so a missing file costs the picture, not the page.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_geo::map::{StateOutlines, albers_usa};
use maud::{Markup, html};

/// One state's path with its bounding box in map units, so that only states in view are sent.
#[derive(Debug)]
struct State {
    d: String,
    bbox: [f64; 4],
}

static STATES: OnceLock<Vec<State>> = OnceLock::new();

/// Loads the outlines from `data_dir/geo/`. Call once at start-up; later calls (and calls after
/// a lazy load) change nothing and return `Ok`.
pub fn init(data_dir: &Path) -> Result<(), iop_geo::Error> {
    if STATES.get().is_none() {
        let outlines = StateOutlines::load(data_dir)?;
        let _ = STATES.set(states_of(&outlines));
    }
    Ok(())
}

fn states() -> &'static [State] {
    STATES.get_or_init(|| {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(d) = std::env::var_os("IOP_DATA") {
            dirs.push(d.into());
        }
        dirs.push(PathBuf::from("data"));
        dirs.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")));
        for dir in &dirs {
            if let Ok(outlines) = StateOutlines::load(dir) {
                return states_of(&outlines);
            }
        }
        tracing::warn!("state outlines not found in {dirs:?}: maps show pins without states");
        Vec::new()
    })
}

fn states_of(outlines: &StateOutlines) -> Vec<State> {
    outlines
        .all()
        .filter_map(|(_, d)| path_bbox(d).map(|bbox| State { d: d.to_owned(), bbox }))
        .collect()
}

/// The bounding box of path data made of `M x y`, `l dx dy ...` and `z` (the only commands
/// [`StateOutlines`] writes; numbers are separated by a space or by their sign).
fn path_bbox(d: &str) -> Option<[f64; 4]> {
    let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    let (mut x, mut y) = (0.0, 0.0);
    let mut relative = false;
    let mut nums: Vec<f64> = Vec::new();
    let mut token = String::new();
    for c in d.chars().chain(std::iter::once('z')) {
        if c.is_ascii_digit() || c == '.' {
            token.push(c);
            continue;
        }
        if !token.is_empty() && token != "-" {
            nums.push(token.parse().ok()?);
        }
        token.clear();
        match c {
            '-' => token.push('-'),
            'M' | 'm' | 'L' | 'l' | 'z' | 'Z' => {
                for pair in nums.chunks_exact(2) {
                    if relative {
                        x += pair[0];
                        y += pair[1];
                    } else {
                        (x, y) = (pair[0], pair[1]);
                    }
                    bbox = [bbox[0].min(x), bbox[1].min(y), bbox[2].max(x), bbox[3].max(y)];
                }
                nums.clear();
                relative = matches!(c, 'l' | 'm');
            }
            _ => {}
        }
    }
    bbox[0].is_finite().then_some(bbox)
}

/// A numbered pin.
#[derive(Clone, Copy, Debug)]
pub struct Pin {
    /// The number shown, the same as the result's number in the list.
    pub n: usize,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// The map's text: a title and a description (the text alternative of the picture), and the
/// name written beside the searched place.
#[derive(Clone, Copy, Debug)]
pub struct Labels<'a> {
    /// Short title.
    pub title: &'a str,
    /// What the picture shows.
    pub desc: &'a str,
    /// The searched place's name ("Charlottesville, VA 22902"), drawn beside its cross.
    pub place: Option<&'a str>,
}

/// How far the map zooms in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zoom {
    /// Results: as close as the pins allow, down to about 9 miles across (a dense city's
    /// twenty nearest programs can lie within two miles of each other).
    Results,
    /// One listing: a region about 250 miles across, so that the pin is seen within its state.
    Region,
}

impl Zoom {
    fn min_span(self) -> f64 {
        match self {
            Zoom::Results => MIN_SPAN,
            Zoom::Region => 80.0,
        }
    }
}

/// The smallest view, in map units (about 3 miles each in the lower 48): about 9 miles across.
const MIN_SPAN: f64 = 3.0;

/// Below this width (about 30 miles) the outlines are not drawn: they are simplified to half a
/// unit, which at that zoom would draw coasts and borders visibly in the wrong place.
const OUTLINE_MIN_SPAN: f64 = 10.0;

/// Scale bar lengths to choose from, miles.
const SCALE_MILES: [f64; 12] =
    [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0];

/// The map, or nothing when no pin can be placed (no locations, or all outside the insets).
pub fn results_map(
    pins: &[Pin],
    center: Option<(f64, f64)>,
    labels: Labels<'_>,
    zoom: Zoom,
) -> Markup {
    let projected: Vec<(usize, f64, f64)> =
        pins.iter().filter_map(|p| albers_usa(p.lat, p.lon).map(|(x, y)| (p.n, x, y))).collect();
    if projected.is_empty() {
        return html! {};
    }
    let me = center.and_then(|(lat, lon)| albers_usa(lat, lon));
    let points = projected.iter().map(|&(_, x, y)| (x, y)).chain(me);
    let view = view_box(points, zoom.min_span());
    let [vx, vy, vw, vh] = view;
    let r = vw.max(vh) * 0.022;
    let font = r * 1.25;
    let outlines = vw >= OUTLINE_MIN_SPAN;
    let visible = |b: &[f64; 4]| b[0] <= vx + vw && b[2] >= vx && b[1] <= vy + vh && b[3] >= vy;
    let view_attr = format!("{} {} {} {}", num(vx), num(vy), num(vw), num(vh));
    // The scale is measured where the map is: the searched place, else the first pin.
    let (slat, slon) = center.unwrap_or((pins[0].lat, pins[0].lon));
    let scale = scale_bar(slat, slon, vw).map(|(miles, len)| {
        let (x0, y) = (vx + vw * 0.04, vy + vh * 0.93);
        (
            miles,
            format!(
                "M{} {}v{}h{}v{}",
                num(x0),
                num(y - r * 0.6),
                num(r * 0.6),
                num(len),
                num(-r * 0.6)
            ),
            x0,
            y,
        )
    });
    html! {
        figure .map data-test="map" {
            svg viewBox=(view_attr) role="img" aria-labelledby="map-t map-d" focusable="false" {
                title #map-t { (labels.title) }
                desc #map-d { (labels.desc) }
                @if outlines {
                    g .st {
                        @for s in states().iter().filter(|s| visible(&s.bbox)) {
                            path d=(s.d) {}
                        }
                    }
                }
                @if let Some((x, y)) = me {
                    path .me d=(cross(x, y, r)) {}
                }
                @if let (Some((x, y)), Some(name)) = (me, labels.place) {
                    // Below the cross, with a halo; under the pins, which matter more.
                    @let right = x < vx + vw * 0.6;
                    text .lbl x=(num(if right { x + r * 0.8 } else { x - r * 0.8 })) y=(num(y + r + font))
                        font-size=(num(font * 0.9)) text-anchor=(if right { "start" } else { "end" }) { (name) }
                }
                // Drawn last to first, so that pin 1 is on top where pins overlap.
                g .pins stroke-width=(num(r * 0.18)) font-size=(num(font)) {
                    @for &(n, x, y) in projected.iter().rev() {
                        circle cx=(num(x)) cy=(num(y)) r=(num(r)) {}
                        text x=(num(x)) y=(num(y + font * 0.36)) { (n) }
                    }
                }
                @if let Some((miles, d, x0, y)) = &scale {
                    path .sc d=(d) {}
                    text .lbl x=(num(*x0)) y=(num(*y - r * 0.9)) font-size=(num(font * 0.8)) { (miles) " mi" }
                }
            }
        }
    }
}

/// A scale bar for a view `vw` units wide around (lat, lon): (miles, length in map units), the
/// round length closest to a fifth of the width.
fn scale_bar(lat: f64, lon: f64, vw: f64) -> Option<(f64, f64)> {
    let (x0, y0) = albers_usa(lat, lon)?;
    let (x1, y1) = albers_usa(lat + 0.05, lon)?;
    let units = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
    let miles =
        iop_core::distance::m_to_miles(iop_core::distance::haversine_m(lat, lon, lat + 0.05, lon));
    if !(units > 0.0 && miles > 0.0) {
        return None;
    }
    let units_per_mile = units / miles;
    let target = vw * 0.2;
    SCALE_MILES
        .iter()
        .map(|&m| (m, m * units_per_mile))
        .min_by(|a, b| (a.1 - target).abs().total_cmp(&(b.1 - target).abs()))
}

/// The view box: the points' bounding box with a margin, at least `min_span` across, and wide
/// rather than tall (the map sits above a list; a tall map pushes the list off a phone screen).
fn view_box(points: impl Iterator<Item = (f64, f64)>, min_span: f64) -> [f64; 4] {
    let (mut x0, mut y0, mut x1, mut y1) =
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in points {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let mut w = ((x1 - x0) * 1.3).max(min_span);
    let mut h = ((y1 - y0) * 1.3).max(min_span * 0.4);
    // Keep a wide shape, between 16:9 and 2:1, so the map leaves room for the list.
    if w < h * 16.0 / 9.0 {
        w = h * 16.0 / 9.0;
    }
    if w > h * 2.0 {
        h = w / 2.0;
    }
    [cx - w / 2.0, cy - h / 2.0, w, h]
}

/// A "+" marking the searched place.
fn cross(x: f64, y: f64, r: f64) -> String {
    let mut d = String::new();
    let _ = write!(
        d,
        "M{} {}h{}M{} {}v{}",
        num(x - r),
        num(y),
        num(2.0 * r),
        num(x),
        num(y - r),
        num(2.0 * r)
    );
    d
}

/// A map coordinate with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_of_relative_path() {
        assert_eq!(path_bbox("M10 20l0 5 5 0z"), Some([10.0, 20.0, 15.0, 25.0]));
        assert_eq!(path_bbox("M10 20l-.5-1 2 3zM1 1l1 1z"), Some([1.0, 1.0, 11.5, 22.0]));
        assert_eq!(path_bbox(""), None);
    }

    #[test]
    fn view_box_keeps_a_minimum_and_a_landscape_shape() {
        let [_, _, w, h] = view_box([(100.0, 100.0)].into_iter(), MIN_SPAN);
        assert!(w >= MIN_SPAN && h <= w, "{w}x{h}");
        let [x, y, w, h] = view_box([(100.0, 100.0), (300.0, 120.0)].into_iter(), MIN_SPAN);
        assert!(x < 100.0 && x + w > 300.0 && y < 100.0 && y + h > 120.0);
        assert!(w <= 2.0 * h + 1e-9 && w >= 16.0 / 9.0 * h - 1e-9);
        assert_eq!(num(1.50), "1.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(975.0), "975");
    }

    #[test]
    fn shipped_outlines_load_and_charlottesville_is_in_view() {
        assert!(states().len() >= 51, "outlines for the states and DC");
        let pins = [Pin { n: 1, lat: 38.03, lon: -78.48 }];
        let labels = Labels { title: "t", desc: "d", place: Some("C") };
        let svg = results_map(&pins, None, labels, Zoom::Region).into_string();
        assert_eq!(svg.matches("<circle").count(), 1);
        // Virginia and a few neighbours, not the whole country.
        let paths = svg.matches("<path d=").count();
        assert!((1..=8).contains(&paths), "{paths} state paths in view");
        // Zoomed to a town, the half-unit outlines are left out; the scale bar says how far.
        let svg = results_map(&pins, Some((38.03, -78.48)), labels, Zoom::Results).into_string();
        assert_eq!(svg.matches("<path d=").count(), 0);
        assert!(svg.contains(" mi</text>"), "{svg}");
    }

    #[test]
    fn scale_bar_is_about_a_fifth_of_the_view() {
        // About 3 miles per unit in the lower 48: a 30-unit view gets a 20-mile bar (~6.6 units).
        let (miles, len) = scale_bar(38.03, -78.48, 30.0).expect("a scale");
        assert_eq!(miles, 20.0);
        assert!((4.0..9.0).contains(&len), "{len}");
        assert_eq!(scale_bar(13.4, 144.7, 30.0), None, "Guam is not on the map");
    }
}
