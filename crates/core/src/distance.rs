//! Great-circle distance on the sphere API.md names (radius 6,371,008.8 m).
//!
//! Metres everywhere in the core; miles only at the edges (views, parameters).

/// Mean earth radius in metres (IUGG), as API.md specifies.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres in a statute mile.
pub const METRES_PER_MILE: f64 = 1_609.344;

/// Haversine distance in metres between two WGS84 points given in degrees.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Miles to metres.
pub fn miles_to_m(mi: f64) -> f64 {
    mi * METRES_PER_MILE
}

/// Metres to miles.
pub fn m_to_miles(m: f64) -> f64 {
    m / METRES_PER_MILE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        assert_eq!(haversine_m(38.03, -78.48, 38.03, -78.48), 0.0);
        // Charlottesville VA to Richmond VA is about 66 miles as the crow flies.
        let mi = m_to_miles(haversine_m(38.0293, -78.4767, 37.5407, -77.4360));
        assert!((mi - 66.0).abs() < 2.0, "{mi}");
        // Across the antimeridian: Adak (-176.6) to Attu (172.9) is about 440 miles, not 24,000.
        let mi = m_to_miles(haversine_m(51.88, -176.64, 52.93, 172.91));
        assert!(mi > 400.0 && mi < 500.0, "{mi}");
    }
}
