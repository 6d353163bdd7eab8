//! US state shapes (Census cartographic boundaries 1:10m, via us-atlas): reading the GeoJSON,
//! point-in-polygon, and the distance to the nearest shape for points just off a coast.

use std::path::Path;

use geo::{BoundingRect, Contains, Coord, LineString, Point, Polygon, Rect};
use serde::Deserialize;

use crate::Error;

/// Kilometres in one degree of latitude (sphere of radius 6,371,008.8 m).
const KM_PER_DEG: f64 = 111.195;

/// One state's shape as read from a us-atlas GeoJSON file, in the file's own coordinates
/// (lon/lat degrees for the WGS84 file, pixels for the Albers file).
#[derive(Debug)]
pub(crate) struct StateShape {
    /// USPS code, as the `iop_core::states` table spells it.
    pub(crate) code: &'static str,
    pub(crate) polygons: Vec<Polygon<f64>>,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    abbr: String,
}

type Ring = Vec<[f64; 2]>;

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Ring>),
    MultiPolygon(Vec<Vec<Ring>>),
}

fn polygon(rings: Vec<Ring>) -> Option<Polygon<f64>> {
    let mut rings = rings
        .into_iter()
        .map(|r| LineString::from(r.into_iter().map(|[x, y]| Coord { x, y }).collect::<Vec<_>>()));
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

/// Reads a us-atlas states GeoJSON FeatureCollection (`properties.abbr` = USPS code).
pub(crate) fn read_states(path: &Path) -> Result<Vec<StateShape>, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.into(), source })?;
    let fc: FeatureCollection = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
        path: path.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let mut out = Vec::with_capacity(fc.features.len());
    for (i, f) in fc.features.into_iter().enumerate() {
        let Some(state) = iop_core::states::by_code(&f.properties.abbr) else {
            return Err(Error::Data {
                path: path.into(),
                message: format!(
                    "feature {i} has the state code {:?}, which is not a US state or territory",
                    f.properties.abbr
                ),
            });
        };
        let polygons: Vec<_> = match f.geometry {
            Geometry::Polygon(p) => polygon(p).into_iter().collect(),
            Geometry::MultiPolygon(ps) => ps.into_iter().filter_map(polygon).collect(),
        };
        if polygons.is_empty() {
            return Err(Error::Data {
                path: path.into(),
                message: format!("feature {i} ({}) has no polygon", state.code),
            });
        }
        out.push(StateShape { code: state.code, polygons });
    }
    Ok(out)
}

/// One polygon of a state with its bounding boxes, so that most polygons are skipped by four
/// comparisons.
#[derive(Debug)]
struct Part {
    state: &'static str,
    bbox: Rect<f64>,
    /// `bbox` grown by the coastal tolerance, for [`Shapes::nearest`].
    near: Rect<f64>,
    poly: Polygon<f64>,
}

/// All state polygons in WGS84, flattened to one list.
///
/// Alaska's Aleutian islands west of 180° are their own polygons with positive longitudes in
/// the data (no ring crosses the antimeridian), so per-polygon bounding boxes stay small and a
/// point at lon 172.9 (Attu) is tested against the right island. A per-state box would span
/// the whole globe for Alaska.
#[derive(Debug)]
pub(crate) struct Shapes {
    parts: Vec<Part>,
}

impl Shapes {
    pub(crate) fn new(states: Vec<StateShape>, tolerance_km: f64) -> Shapes {
        let mut parts = Vec::new();
        for s in states {
            for poly in s.polygons {
                let Some(bbox) = poly.bounding_rect() else { continue };
                let dlat = tolerance_km / KM_PER_DEG;
                let max_abs_lat = bbox.min().y.abs().max(bbox.max().y.abs()) + dlat;
                let dlon = dlat / max_abs_lat.to_radians().cos().max(0.05);
                let near = Rect::new(
                    Coord { x: bbox.min().x - dlon, y: bbox.min().y - dlat },
                    Coord { x: bbox.max().x + dlon, y: bbox.max().y + dlat },
                );
                parts.push(Part { state: s.code, bbox, near, poly });
            }
        }
        Shapes { parts }
    }

    /// Number of polygons.
    pub(crate) fn len(&self) -> usize {
        self.parts.len()
    }

    /// The state whose shape holds the point (strictly inside; the boundary is not inside).
    pub(crate) fn state_at(&self, lat: f64, lon: f64) -> Option<&'static str> {
        if !(lat.is_finite() && lon.is_finite()) {
            return None;
        }
        let c = Coord { x: lon, y: lat };
        self.parts
            .iter()
            .find(|p| in_rect(&p.bbox, c) && p.poly.contains(&Point::from(c)))
            .map(|p| p.state)
    }

    /// The state nearest to the point within `max_km` of its shape, and the distance (0 when
    /// inside). For points that the 1:10m shapes leave just offshore (piers, small islands).
    pub(crate) fn nearest(&self, lat: f64, lon: f64, max_km: f64) -> Option<(&'static str, f64)> {
        if let Some(s) = self.state_at(lat, lon) {
            return Some((s, 0.0));
        }
        if !(lat.is_finite() && lon.is_finite()) || lat.abs() > 90.0 {
            return None;
        }
        let mut best: Option<(&'static str, f64)> = None;
        // The same place seen from both sides of the antimeridian.
        for shifted in [lon, lon - 360.0, lon + 360.0] {
            let c = Coord { x: shifted, y: lat };
            for p in self.parts.iter().filter(|p| in_rect(&p.near, c)) {
                let d = distance_to_boundary_km(&p.poly, c);
                if d <= max_km && best.is_none_or(|(_, b)| d < b) {
                    best = Some((p.state, d));
                }
            }
        }
        best
    }
}

fn in_rect(r: &Rect<f64>, c: Coord<f64>) -> bool {
    c.x >= r.min().x && c.x <= r.max().x && c.y >= r.min().y && c.y <= r.max().y
}

/// Distance from `c` to the nearest edge of `poly`, in km, on a local equirectangular plane
/// centred on `c` (good to well under 1% at the few-kilometre scale it is used at).
fn distance_to_boundary_km(poly: &Polygon<f64>, c: Coord<f64>) -> f64 {
    let kx = KM_PER_DEG * c.y.to_radians().cos();
    let ky = KM_PER_DEG;
    let to_plane = |p: Coord<f64>| ((p.x - c.x) * kx, (p.y - c.y) * ky);
    let mut best = f64::INFINITY;
    for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
        for seg in ring.lines() {
            let (ax, ay) = to_plane(seg.start);
            let (bx, by) = to_plane(seg.end);
            best = best.min(point_segment_distance(ax, ay, bx, by));
        }
    }
    best
}

/// Distance from the origin to the segment a-b.
fn point_segment_distance(ax: f64, ay: f64, bx: f64, by: f64) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (px, py) = (ax + t * dx, ay + t * dy);
    (px * px + py * py).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_distance() {
        // Origin to the segment (3,-1)-(3,1): 3. To (3,4)-(6,8): the end (3,4) at 5.
        assert!((point_segment_distance(3.0, -1.0, 3.0, 1.0) - 3.0).abs() < 1e-12);
        assert!((point_segment_distance(3.0, 4.0, 6.0, 8.0) - 5.0).abs() < 1e-12);
        assert!((point_segment_distance(3.0, 4.0, 3.0, 4.0) - 5.0).abs() < 1e-12);
    }
}
