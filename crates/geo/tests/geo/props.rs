//! No input makes the geocoder panic.

use proptest::prelude::*;

use crate::geocoder;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn geocode_never_panics_on_any_string(s in any::<String>()) {
        let _ = geocoder().geocode(&s);
        let _ = geocoder().suggest(&s, 5);
    }

    #[test]
    fn geocode_never_panics_on_near_misses(
        s in "[0-9 ,.+()\\-]{0,30}|[A-Za-z .'\\-]{0,40}, ?[A-Za-z]{0,12}( [0-9\\-]{0,10})?|\\PC{0,300}"
    ) {
        let result = geocoder().geocode(&s);
        if let Err(e) = &result {
            // Every error is a non-empty sentence of bounded size.
            let msg = e.to_string();
            prop_assert!(!msg.is_empty() && msg.len() < 600, "{msg}");
        }
        let _ = geocoder().zip(&s);
        let _ = geocoder().zip_exists(&s);
        let _ = geocoder().city(&s, &s);
    }

    #[test]
    fn points_never_panic(lat in proptest::num::f64::ANY, lon in proptest::num::f64::ANY) {
        let g = geocoder();
        let _ = g.state_at(lat, lon);
        let _ = g.in_us(lat, lon);
        let _ = iop_geo::map::albers_usa(lat, lon);
        let _ = g.geocode(&format!("{lat},{lon}"));
    }
}
