//! Geo: the bounding box of a radius and the grid cells that cover it.
//!
//! tantivy 0.27 has no geo field (STYLE.md section 2), so a radius is three filters inside the
//! query: grid-cell terms (a cheap posting-list union that leads the intersection), a bounding
//! box as range queries on the `lat`/`lon` fast fields, and the exact great-circle predicate.
//! The cells are the coarse index; without them the range queries would scan the whole `lat`
//! column on every search.
//!
//! Each located listing is indexed in one cell per level of [`CELL_DEGREES`]; a query uses the
//! finest level whose cover of the box stays within [`MAX_CELLS`] cells.

use iop_core::distance::EARTH_RADIUS_M;

/// Cell sizes in degrees, finest first.
pub(crate) const CELL_DEGREES: [f64; 5] = [0.1, 0.4, 1.6, 6.4, 25.6];

/// The most cells a query may list before a coarser level is used.
pub(crate) const MAX_CELLS: usize = 40;

/// A latitude band and one or two longitude intervals (two when the box crosses ±180°).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BBox {
    pub lat: (f64, f64),
    pub lon: Vec<(f64, f64)>,
}

/// The box holding every point within `radius_m` of (`lat`, `lon`), slightly enlarged so that
/// rounding never drops a point the exact predicate would keep. Clamped at the poles; when the
/// circle reaches a pole every longitude is in.
pub(crate) fn bbox(lat: f64, lon: f64, radius_m: f64) -> BBox {
    let ang = radius_m / EARTH_RADIUS_M; // radians of arc
    let margin = 1e-6;
    let dlat = ang.to_degrees() * 1.001 + margin;
    let (lat_min, lat_max) = (lat - dlat, lat + dlat);
    let full = vec![(-180.0, 180.0)];
    if lat_min <= -90.0 || lat_max >= 90.0 || ang >= std::f64::consts::FRAC_PI_2 {
        return BBox { lat: (lat_min.max(-90.0), lat_max.min(90.0)), lon: full };
    }
    // Widest longitude extent of a spherical cap: asin(sin(ang) / cos(lat)).
    let s = ang.sin() / lat.to_radians().cos();
    if s.is_nan() || s >= 1.0 {
        return BBox { lat: (lat_min, lat_max), lon: full };
    }
    let dlon = s.asin().to_degrees() * 1.001 + margin;
    if dlon >= 180.0 {
        return BBox { lat: (lat_min, lat_max), lon: full };
    }
    let (lo, hi) = (lon - dlon, lon + dlon);
    let lon = if lo < -180.0 {
        vec![(-180.0, hi), (lo + 360.0, 180.0)]
    } else if hi > 180.0 {
        vec![(lo, 180.0), (-180.0, hi - 360.0)]
    } else {
        vec![(lo, hi)]
    };
    BBox { lat: (lat_min, lat_max), lon }
}

fn cell_index(v: f64, offset: f64, size: f64) -> u64 {
    ((v + offset) / size).floor().max(0.0) as u64
}

fn cell_id(level: usize, ilat: u64, ilon: u64) -> u64 {
    (level as u64) << 48 | ilat << 24 | ilon
}

/// The cell of a point at every level.
pub(crate) fn cells_of(lat: f64, lon: f64) -> [u64; CELL_DEGREES.len()] {
    let mut out = [0u64; CELL_DEGREES.len()];
    for (level, size) in CELL_DEGREES.iter().enumerate() {
        out[level] = cell_id(level, cell_index(lat, 90.0, *size), cell_index(lon, 180.0, *size));
    }
    out
}

/// The cells covering `b` at the finest level that needs at most [`MAX_CELLS`], or `None` when
/// even the coarsest needs more (then the range queries alone bound the search).
pub(crate) fn covering_cells(b: &BBox) -> Option<Vec<u64>> {
    for (level, size) in CELL_DEGREES.iter().enumerate() {
        let (la0, la1) = (cell_index(b.lat.0, 90.0, *size), cell_index(b.lat.1, 90.0, *size));
        let mut count = 0u64;
        for (lo0, lo1) in &b.lon {
            let (c0, c1) = (cell_index(*lo0, 180.0, *size), cell_index(*lo1, 180.0, *size));
            count += (la1 - la0 + 1) * (c1 - c0 + 1);
        }
        if count as usize > MAX_CELLS {
            continue;
        }
        let mut cells = Vec::with_capacity(count as usize);
        for ilat in la0..=la1 {
            for (lo0, lo1) in &b.lon {
                for ilon in cell_index(*lo0, 180.0, *size)..=cell_index(*lo1, 180.0, *size) {
                    cells.push(cell_id(level, ilat, ilon));
                }
            }
        }
        return Some(cells);
    }
    None
}

/// The position of a point on a Hilbert curve over a 2^16 x 2^16 grid of the globe.
///
/// The index is sorted by this key. Listings near each other then get neighbouring doc ids:
/// the listings of an area fall in a few runs of doc ids instead of all over the index, so the
/// text scorers intersected with an area skip whole blocks, the grid-cell postings are dense,
/// and one page of nearby results reads a few doc-store blocks instead of one per listing.
pub(crate) fn hilbert_key(lat: f64, lon: f64) -> u64 {
    const N: u64 = 1 << 16;
    let scale = |v: f64, min: f64, span: f64| {
        (((v - min) / span) * N as f64).floor().clamp(0.0, (N - 1) as f64) as u64
    };
    let (mut x, mut y) = (scale(lon, -180.0, 360.0), scale(lat, -90.0, 180.0));
    let mut d = 0u64;
    let mut s = N / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        // Rotate the quadrant so the curve stays continuous.
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[cfg(test)]
mod tests {
    use iop_core::distance::haversine_m;
    use proptest::prelude::*;

    use super::*;

    fn inside(b: &BBox, lat: f64, lon: f64) -> bool {
        lat >= b.lat.0 && lat <= b.lat.1 && b.lon.iter().any(|(a, z)| lon >= *a && lon <= *z)
    }

    #[test]
    fn splits_at_the_antimeridian() {
        let b = bbox(51.9, 179.95, 20_000.0);
        assert_eq!(b.lon.len(), 2, "{b:?}");
        assert!(inside(&b, 51.9, -179.9));
        assert!(inside(&b, 51.9, 179.9));
        assert!(!inside(&b, 51.9, 0.0));
    }

    #[test]
    fn hilbert_keys_are_distinct_and_local() {
        // Neighbouring grid cells have keys that differ little more often than far ones.
        let a = hilbert_key(38.03, -78.48);
        let near = hilbert_key(38.031, -78.481);
        let far = hilbert_key(34.05, -118.24);
        assert!(a.abs_diff(near) < a.abs_diff(far));
        let mut keys: Vec<u64> = (0..64)
            .flat_map(|i| {
                (0..64).map(move |j| hilbert_key(-80.0 + i as f64 * 2.5, -170.0 + j as f64 * 5.3))
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 64 * 64, "distinct cells, distinct keys");
        assert!(keys.iter().all(|k| *k < 1 << 32));
    }

    #[test]
    fn takes_every_longitude_at_the_pole() {
        let b = bbox(89.9, 0.0, 50_000.0);
        assert_eq!(b.lon, vec![(-180.0, 180.0)]);
        assert_eq!(b.lat.1, 90.0);
    }

    proptest! {
        /// Every point within the radius is inside the box and in one of the covering cells.
        #[test]
        fn box_and_cells_hold_every_point_of_the_circle(
            lat in -89.0f64..89.0, lon in -180.0f64..180.0,
            radius_m in 100.0f64..805_000.0,
            bearing in 0.0f64..360.0, frac in 0.0f64..=1.0,
        ) {
            // A point at distance frac * radius along `bearing` (spherical destination formula).
            let d = frac * radius_m / EARTH_RADIUS_M;
            let (p1, l1, th) = (lat.to_radians(), lon.to_radians(), bearing.to_radians());
            let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * th.cos()).asin();
            let l2 = l1 + (th.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
            let (plat, mut plon) = (p2.to_degrees(), l2.to_degrees());
            plon = (plon + 540.0).rem_euclid(360.0) - 180.0;
            prop_assume!(haversine_m(lat, lon, plat, plon) <= radius_m);
            let b = bbox(lat, lon, radius_m);
            prop_assert!(inside(&b, plat, plon), "{b:?} misses {plat},{plon}");
            if let Some(cells) = covering_cells(&b) {
                let mine = cells_of(plat, plon);
                prop_assert!(mine.iter().any(|c| cells.contains(c)));
            }
        }
    }
}
