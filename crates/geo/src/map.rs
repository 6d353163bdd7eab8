//! A map of the US for server-drawn inline SVG, with no tiles and no third-party requests.
//!
//! [`albers_usa`] projects a point exactly as d3's `geoAlbersUsa().scale(1300).translate([487.5,
//! 305])` does, the projection us-atlas used to make the shipped Albers shapes, so a result's
//! dot lands on the state outline drawn from [`StateOutlines`]. The viewport is
//! [`WIDTH`] x [`HEIGHT`] (`viewBox="0 0 975 610"`); Alaska and Hawaii are insets at the lower
//! left, as in d3.
//!
//! Puerto Rico is not in d3's AlbersUsa. This module adds it (with the US Virgin Islands, which
//! fall in the same box) as a fourth inset at the lower right, with the parameters of
//! `geoAlbersUsaTerritories` from d3-composite-projections 2.0.0: conic equal-area, parallels
//! 8°/18°, rotate 66°W, centre 18°N, translated by (0.350, 0.224) x scale and clipped to
//! (0.312..0.385, 0.2064..0.233) x scale around the translate point. Their outlines are
//! projected here from the WGS84 shapes. Guam, American Samoa and the Northern Mariana Islands
//! are not drawn: [`albers_usa`] answers `None` for them, as for any point outside the insets.

use std::path::Path;
use std::sync::LazyLock;

use geo::{Contains, Coord, LineString, Point, Polygon, Simplify};

use crate::Error;
use crate::files;
use crate::shapes::read_states;

/// Viewport width in SVG user units.
pub const WIDTH: f64 = 975.0;
/// Viewport height in SVG user units.
pub const HEIGHT: f64 = 610.0;
/// d3's `scale(1300)`.
const SCALE: f64 = 1300.0;
/// d3's `translate([487.5, 305])`.
const TX: f64 = 487.5;
const TY: f64 = 305.0;
/// d3-geo's epsilon, which insets the Alaska, Hawaii (and here Puerto Rico) clip boxes.
const EPSILON: f64 = 1e-6;

/// Default simplification tolerance, in pixels: the whole map's path data stays under 40 KB
/// and the outlines move by less than half a pixel.
pub const DEFAULT_TOLERANCE_PX: f64 = 0.5;

/// Rings smaller than this many square pixels are left out (islets that would draw as a dot).
const MIN_RING_AREA_PX2: f64 = 0.5;

/// d3's `conicEqualAreaRaw(phi0, phi1)`.
#[derive(Debug)]
struct ConicEqualArea {
    n: f64,
    c: f64,
    r0: f64,
}

impl ConicEqualArea {
    fn new(parallel0_deg: f64, parallel1_deg: f64) -> ConicEqualArea {
        let sy0 = parallel0_deg.to_radians().sin();
        let n = (sy0 + parallel1_deg.to_radians().sin()) / 2.0;
        let c = 1.0 + sy0 * (2.0 * n - sy0);
        ConicEqualArea { n, c, r0: c.sqrt() / n }
    }

    fn raw(&self, lambda: f64, phi: f64) -> (f64, f64) {
        let r = (self.c - 2.0 * self.n * phi.sin()).sqrt() / self.n;
        let a = lambda * self.n;
        (r * a.sin(), self.r0 - r * a.cos())
    }
}

/// One d3 projection of the composite: rotate, raw projection, scale about `center`,
/// translate, then the clip extent of AlbersUsa.
#[derive(Debug)]
struct Inset {
    conic: ConicEqualArea,
    scale: f64,
    rotate_deg: f64,
    /// The raw projection of d3's `center([lon, lat])` (unrotated, as d3 does).
    center: (f64, f64),
    translate: (f64, f64),
    /// x0, y0, x1, y1.
    clip: [f64; 4],
}

impl Inset {
    fn new(
        parallels: (f64, f64),
        scale: f64,
        rotate_deg: f64,
        center_deg: (f64, f64),
        translate: (f64, f64),
        clip: [f64; 4],
    ) -> Inset {
        let conic = ConicEqualArea::new(parallels.0, parallels.1);
        let center = conic.raw(center_deg.0.to_radians(), center_deg.1.to_radians());
        Inset { conic, scale, rotate_deg, center, translate, clip }
    }

    fn project(&self, lat: f64, lon: f64) -> Option<(f64, f64)> {
        // d3 rotates longitude and wraps it to [-180°, 180°].
        let mut lambda = (lon + self.rotate_deg).to_radians();
        if lambda > std::f64::consts::PI {
            lambda -= std::f64::consts::TAU;
        } else if lambda < -std::f64::consts::PI {
            lambda += std::f64::consts::TAU;
        }
        let (px, py) = self.conic.raw(lambda, lat.to_radians());
        let x = self.translate.0 + self.scale * (px - self.center.0);
        let y = self.translate.1 - self.scale * (py - self.center.1);
        let [x0, y0, x1, y1] = self.clip;
        (x.is_finite() && y.is_finite() && x0 <= x && x <= x1 && y0 <= y && y <= y1)
            .then_some((x, y))
    }
}

/// Lower 48, Alaska, Hawaii (d3-geo 3.1 `geoAlbersUsa`), then Puerto Rico (d3-composite-
/// projections), in the order they are tried.
static INSETS: LazyLock<[Inset; 4]> = LazyLock::new(|| {
    let k = SCALE;
    let (x, y) = (TX, TY);
    let e = EPSILON;
    [
        // d3.geoAlbers(): parallels 29.5/45.5, rotate 96°W, centre (-0.6, 38.7).
        Inset::new(
            (29.5, 45.5),
            k,
            96.0,
            (-0.6, 38.7),
            (x, y),
            [x - 0.455 * k, y - 0.238 * k, x + 0.455 * k, y + 0.238 * k],
        ),
        Inset::new(
            (55.0, 65.0),
            k * 0.35,
            154.0,
            (-2.0, 58.5),
            (x - 0.307 * k, y + 0.201 * k),
            [x - 0.425 * k + e, y + 0.120 * k + e, x - 0.214 * k - e, y + 0.234 * k - e],
        ),
        Inset::new(
            (8.0, 18.0),
            k,
            157.0,
            (-3.0, 19.9),
            (x - 0.205 * k, y + 0.212 * k),
            [x - 0.214 * k + e, y + 0.166 * k + e, x - 0.115 * k - e, y + 0.234 * k - e],
        ),
        Inset::new(
            (8.0, 18.0),
            k,
            66.0,
            (0.0, 18.0),
            (x + 0.350 * k, y + 0.224 * k),
            [x + 0.312 * k + e, y + 0.2064 * k + e, x + 0.385 * k - e, y + 0.233 * k - e],
        ),
    ]
});

/// Projects a WGS84 point into the 975x610 map: d3's AlbersUsa at scale 1300, translate
/// [487.5, 305], plus a Puerto Rico / Virgin Islands inset (see the module docs). `None` for a
/// point outside every inset (abroad, at sea, Guam...) or for non-finite input.
pub fn albers_usa(lat: f64, lon: f64) -> Option<(f64, f64)> {
    if !(lat.is_finite() && lon.is_finite()) || lat.abs() > 90.0 {
        return None;
    }
    INSETS.iter().find_map(|inset| inset.project(lat, lon))
}

/// State outlines as SVG path data for the 975x610 map: the us-atlas Albers shapes (50 states
/// and DC), plus Puerto Rico and the US Virgin Islands projected into their inset.
///
/// Paths are simplified (Ramer-Douglas-Peucker, [`DEFAULT_TOLERANCE_PX`] by default), use
/// coordinates rounded to 0.1 and relative moves, so the whole map is a few tens of KB.
/// States are simplified one by one, so shared borders may differ by up to the tolerance.
#[derive(Debug, Clone)]
pub struct StateOutlines {
    /// Full-resolution shapes in pixels, sorted by state code.
    shapes: Vec<(&'static str, Vec<Polygon<f64>>)>,
    /// SVG path data, same order.
    paths: Vec<String>,
}

impl StateOutlines {
    /// Loads the outlines from `data_dir/geo/` with [`DEFAULT_TOLERANCE_PX`].
    pub fn load(data_dir: &Path) -> Result<StateOutlines, Error> {
        let dir = data_dir.join("geo");
        let mut shapes: Vec<(&'static str, Vec<Polygon<f64>>)> =
            read_states(&dir.join(files::STATES_ALBERS))?
                .into_iter()
                .map(|s| (s.code, s.polygons))
                .collect();
        for s in read_states(&dir.join(files::STATES_WGS84))? {
            if !shapes.iter().any(|(code, _)| *code == s.code) {
                let projected: Vec<Polygon<f64>> =
                    s.polygons.iter().filter_map(project_polygon).collect();
                if !projected.is_empty() {
                    shapes.push((s.code, projected));
                }
            }
        }
        shapes.sort_by_key(|(code, _)| *code);
        Ok(StateOutlines { shapes, paths: Vec::new() }.simplified(DEFAULT_TOLERANCE_PX))
    }

    /// The same outlines with path data simplified to `tolerance_px` (0 keeps every vertex
    /// that survives rounding to 0.1 px).
    pub fn simplified(&self, tolerance_px: f64) -> StateOutlines {
        let tolerance = if tolerance_px.is_finite() { tolerance_px.max(0.0) } else { 0.0 };
        let paths = self.shapes.iter().map(|(_, polys)| svg_path_data(polys, tolerance)).collect();
        StateOutlines { shapes: self.shapes.clone(), paths }
    }

    /// The SVG path `d` of a state (USPS code, any case), or `None` if it is not drawn.
    pub fn svg_path(&self, state: &str) -> Option<&str> {
        let state = state.trim();
        self.shapes
            .iter()
            .position(|(code, _)| code.eq_ignore_ascii_case(state))
            .map(|i| self.paths[i].as_str())
    }

    /// Every drawn state as (USPS code, path `d`), sorted by code.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.shapes.iter().zip(&self.paths).map(|((code, _), d)| (*code, d.as_str()))
    }

    /// Total bytes of path data, for keeping pages small.
    pub fn total_bytes(&self) -> usize {
        self.paths.iter().map(String::len).sum()
    }

    /// The state drawn at pixel (x, y), on the full-resolution shapes (for example to check
    /// that a projected point lands in its state).
    pub fn state_at_xy(&self, x: f64, y: f64) -> Option<&'static str> {
        let p = Point::new(x, y);
        self.shapes
            .iter()
            .find(|(_, polys)| polys.iter().any(|poly| poly.contains(&p)))
            .map(|s| s.0)
    }
}

/// Projects every vertex; vertices outside the insets are dropped, rings left with fewer than
/// four vertices are dropped.
fn project_polygon(poly: &Polygon<f64>) -> Option<Polygon<f64>> {
    let ring = |ls: &LineString<f64>| -> Option<LineString<f64>> {
        let coords: Vec<Coord<f64>> =
            ls.coords().filter_map(|c| albers_usa(c.y, c.x)).map(|(x, y)| Coord { x, y }).collect();
        (coords.len() >= 4).then(|| LineString::from(coords))
    };
    let exterior = ring(poly.exterior())?;
    Some(Polygon::new(exterior, poly.interiors().iter().filter_map(ring).collect()))
}

/// SVG path data for a set of polygons: simplified, rounded to 0.1, first point absolute,
/// the rest relative.
fn svg_path_data(polys: &[Polygon<f64>], tolerance: f64) -> String {
    let mut out = String::new();
    for poly in polys {
        let simple = if tolerance > 0.0 { poly.simplify(tolerance) } else { poly.clone() };
        if ring_area(simple.exterior()) < MIN_RING_AREA_PX2 {
            continue;
        }
        for ring in std::iter::once(simple.exterior()).chain(simple.interiors()) {
            if ring_area(ring) >= MIN_RING_AREA_PX2 {
                push_ring(&mut out, ring);
            }
        }
    }
    out
}

/// Area enclosed by a ring (shoelace; geo's `Area` of a `LineString` is 0 by definition).
fn ring_area(ring: &LineString<f64>) -> f64 {
    ring.lines().map(|l| l.start.x * l.end.y - l.end.x * l.start.y).sum::<f64>().abs() / 2.0
}

/// Appends `M x y l dx dy ... z` in tenths of a pixel. Deltas are taken between the rounded
/// points, so rounding errors do not add up along the ring.
fn push_ring(out: &mut String, ring: &LineString<f64>) {
    let mut pts: Vec<(i64, i64)> = Vec::with_capacity(ring.0.len());
    for c in ring.coords() {
        // Pixel coordinates are within a few thousand, far inside i64.
        let p = ((c.x * 10.0).round() as i64, (c.y * 10.0).round() as i64);
        if pts.last() != Some(&p) {
            pts.push(p);
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return;
    }
    out.push('M');
    push_tenths(out, pts[0].0);
    push_number(out, pts[0].1);
    out.push('l');
    let mut first = true;
    for w in pts.windows(2) {
        let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
        if first {
            push_tenths(out, dx);
            first = false;
        } else {
            push_number(out, dx);
        }
        push_number(out, dy);
    }
    out.push('z');
}

/// A number after another: a space unless the sign separates them.
fn push_number(out: &mut String, tenths: i64) {
    if tenths >= 0 {
        out.push(' ');
    }
    push_tenths(out, tenths);
}

/// Writes tenths as the shortest decimal: 38 -> "3.8", -9 -> "-.9", 40 -> "4", 0 -> "0".
fn push_tenths(out: &mut String, tenths: i64) {
    use std::fmt::Write as _;
    if tenths < 0 {
        out.push('-');
    }
    let v = tenths.unsigned_abs();
    let (int, frac) = (v / 10, v % 10);
    match (int, frac) {
        (i, 0) => write!(out, "{i}"),
        (0, f) => write!(out, ".{f}"),
        (i, f) => write!(out, "{i}.{f}"),
    }
    .expect("writing to a String cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths() {
        let mut s = String::new();
        for v in [38, -9, 40, 0, -40, 1234, 5] {
            push_number(&mut s, v);
        }
        assert_eq!(s, " 3.8-.9 4 0-4 123.4 .5");
    }

    #[test]
    fn area_of_a_ring() {
        let square =
            LineString::from(vec![(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]);
        assert_eq!(ring_area(&square), 4.0);
    }

    #[test]
    fn ring_is_relative_and_closed() {
        let ring = LineString::from(vec![(10.0, 20.0), (10.04, 25.0), (15.0, 25.0), (10.0, 20.0)]);
        let mut s = String::new();
        push_ring(&mut s, &ring);
        assert_eq!(s, "M10 20l0 5 5 0z");
    }
}
