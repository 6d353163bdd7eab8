//! Geocoding what users type: ZIPs, cities, coordinates, and the errors they get.

use iop_core::distance::haversine_m;
use iop_geo::{GeocodeError, Place, PlaceKind, files};

use crate::{csv_rows, geocoder};

fn ok(input: &str) -> Place {
    geocoder().geocode(input).unwrap_or_else(|e| panic!("{input:?} did not geocode: {e}"))
}

fn err(input: &str) -> GeocodeError {
    match geocoder().geocode(input) {
        Ok(p) => panic!("{input:?} geocoded to {p:?}"),
        Err(e) => e,
    }
}

/// The (lat, lon) of `key` in column `col` of a shipped CSV file.
fn row_point(file: &str, col: &str, key: &str, lat: &str, lon: &str) -> Option<(f64, f64)> {
    csv_rows(file)
        .into_iter()
        .find(|r| r[col] == key)
        .map(|r| (r[lat].parse().expect("lat"), r[lon].parse().expect("lon")))
}

#[test]
fn zip_uses_the_zcta_point_and_the_geonames_name() {
    let p = ok("22902");
    assert_eq!(p.kind, PlaceKind::Zip);
    assert_eq!(p.label, "Charlottesville, VA 22902");
    assert_eq!(p.state.as_deref(), Some("VA"));
    assert_eq!(p.zip.as_deref(), Some("22902"));
    let zcta = row_point(files::ZCTA, "zcta", "22902", "lat", "lon").expect("22902 is a ZCTA");
    assert_eq!((p.lat, p.lon), zcta);
    // ZIP+4 and padding are the same ZIP.
    assert_eq!(ok("22902-1234"), p);
    assert_eq!(ok("  229021234 "), p);
    assert_eq!(geocoder().zip("22902"), Some(p));
}

#[test]
fn real_zips_across_the_country() {
    for (zip, label, state) in [
        ("33012", "Hialeah, FL 33012", "FL"),
        ("99546", "Adak, AK 99546", "AK"),
        ("96813", "Honolulu, HI 96813", "HI"),
        // GeoNames' US file has no Puerto Rico: the state comes from the PR shape, the name
        // from the nearest GeoNames place.
        ("00901", "San Juan, PR 00901", "PR"),
    ] {
        let p = ok(zip);
        assert_eq!((p.label.as_str(), p.state.as_deref()), (label, Some(state)), "{zip}");
        assert_eq!(geocoder().zip_state(zip), Some(state));
        assert!(geocoder().zip_exists(zip));
        // The point is in (or within the coastal tolerance of) its own state.
        assert_eq!(geocoder().state_near(p.lat, p.lon), Some(state), "{zip}");
    }
}

#[test]
fn po_box_zip_without_zcta_falls_back_to_geonames() {
    // 22906 is a Charlottesville PO-box ZIP: no ZCTA, but in GeoNames.
    assert_eq!(row_point(files::ZCTA, "zcta", "22906", "lat", "lon"), None);
    let gn = row_point(files::GEONAMES_POSTAL, "postal_code", "22906", "latitude", "longitude")
        .expect("22906 is in GeoNames");
    let p = ok("22906");
    assert_eq!((p.lat, p.lon), gn);
    assert_eq!(p.label, "Charlottesville, VA 22906");
    assert!(geocoder().zip_exists("22906"));
}

#[test]
fn unknown_zip() {
    let e = err("00000");
    assert_eq!(e, GeocodeError::NotFound { input: "00000".into(), suggestions: vec![] });
    assert_eq!(e.to_string(), "no ZIP code \"00000\" was found");
    assert!(!geocoder().zip_exists("00000"));
    assert_eq!(geocoder().zip("00000"), None);
    assert_eq!(geocoder().zip_state("00000"), None);
    // A lost leading zero is not guessed.
    assert!(!geocoder().zip_exists("6708"));
}

#[test]
fn cities_in_every_usual_spelling() {
    let p = ok("Charlottesville, VA");
    assert_eq!(p.kind, PlaceKind::City);
    assert_eq!(p.label, "Charlottesville, VA");
    assert_eq!(p.state.as_deref(), Some("VA"));
    assert_eq!(p.zip, None);
    for spelling in [
        "charlottesville va",
        "Charlottesville, Virginia",
        "CHARLOTTESVILLE,VA",
        "  Charlottesville ,  va  ",
        "Charlottesville, VA, USA",
        "Charlottesville Virginia United States",
        "Charlottesville, Va.",
    ] {
        assert_eq!(ok(spelling), p, "{spelling:?}");
    }
    assert_eq!(geocoder().city("charlottesville", "Virginia"), Some(p.clone()));
    // The city point is the centre of its ZIPs, a few km from downtown's 22902 GeoNames point.
    let d = haversine_m(p.lat, p.lon, 38.0266, -78.4805);
    assert!(d < 5_000.0, "{d}");
}

#[test]
fn more_cities() {
    for (input, label) in [
        ("Hialeah, FL", "Hialeah, FL"),
        ("Miami, FL", "Miami, FL"),
        ("San Juan, PR", "San Juan, PR"),
        ("san juan puerto rico", "San Juan, PR"),
        ("Bayamon, PR", "Bayamón, PR"),
        ("St. Louis, MO", "Saint Louis, MO"),
        ("Saint Louis Missouri", "Saint Louis, MO"),
        ("Charleston West Virginia", "Charleston, WV"),
        ("Charleston, SC", "Charleston, SC"),
        ("Kansas City, KS", "Kansas City, KS"),
        ("kansas city mo", "Kansas City, MO"),
        ("Washington, DC", "Washington, DC"),
        ("Washington D.C.", "Washington, DC"),
        ("Honolulu, HI", "Honolulu, HI"),
        ("Indiana, PA", "Indiana, PA"),
        ("Charlotte Amalie, VI", "Charlotte Amalie, VI"),
        // A unique name needs no state.
        ("Hialeah", "Hialeah, FL"),
    ] {
        assert_eq!(ok(input).label, label, "{input:?}");
    }
    // The label pasted back, with its ZIP, gives the ZIP.
    assert_eq!(ok("Charlottesville, VA 22902").kind, PlaceKind::Zip);
    // A wrong ZIP after a right city still finds the city.
    assert_eq!(ok("Charlottesville, VA 00000").label, "Charlottesville, VA");
    // Hialeah the city is within a few km of Hialeah's 33012.
    let (c, z) = (ok("Hialeah, FL"), ok("33012"));
    assert!(haversine_m(c.lat, c.lon, z.lat, z.lon) < 10_000.0);
}

#[test]
fn a_name_in_many_states_asks_which() {
    let GeocodeError::NotFound { input, suggestions } = err("Springfield") else {
        panic!("Springfield alone should ask for the state");
    };
    assert_eq!(input, "Springfield");
    assert_eq!(suggestions.len(), 5);
    assert!(suggestions.iter().all(|s| s.starts_with("Springfield, ")), "{suggestions:?}");
    // Biggest first: Illinois' Springfield has the most ZIPs in GeoNames.
    assert_eq!(suggestions[0], "Springfield, IL");
    let msg = err("Springfield").to_string();
    assert!(msg.starts_with("there is a \"Springfield\" in more than one state"), "{msg}");
}

#[test]
fn suggestions_for_typos() {
    let g = geocoder();
    assert_eq!(
        g.suggest("Charlotesville, VA", 5).first().map(String::as_str),
        Some("Charlottesville, VA")
    );
    assert_eq!(g.suggest("Springfeld, IL", 3).first().map(String::as_str), Some("Springfield, IL"));
    assert_eq!(
        g.suggest("charlottesville, virgina", 3).first().map(String::as_str),
        Some("Charlottesville, VA")
    );
    assert!(g.suggest("Hialeah, GA", 5).contains(&"Hialeah, FL".to_owned()));
    assert!(g.suggest("Charlotesville, VA", 0).is_empty());
    assert!(g.suggest("qqqqqqqqqqqqqq", 5).is_empty());
    assert!(g.suggest("22902", 5).is_empty());

    let e = err("Springfeld, IL");
    let GeocodeError::NotFound { suggestions, .. } = &e else { panic!("{e:?}") };
    assert_eq!(suggestions.first().map(String::as_str), Some("Springfield, IL"));
    assert!(
        e.to_string().starts_with(
            "no place called \"Springfeld, IL\" was found; did you mean \"Springfield, IL\""
        ),
        "{e}"
    );
    // Every suggestion geocodes.
    for s in g.suggest("Charlotesville", 5) {
        assert_eq!(ok(&s).label, s);
    }
}

#[test]
fn coordinates() {
    let p = ok("38.03,-78.48");
    assert_eq!(p.kind, PlaceKind::Point);
    assert_eq!((p.lat, p.lon), (38.03, -78.48));
    assert_eq!(p.label, "38.03, -78.48");
    assert_eq!(p.state.as_deref(), Some("VA"));
    assert_eq!(ok("38.03 -78.48"), p);
    assert_eq!(ok("(38.03, -78.48)"), p);
    assert_eq!(ok("18.4655,-66.1057").state.as_deref(), Some("PR"));
}

#[test]
fn swapped_coordinates_are_named() {
    let e = err("-78.48,38.03");
    let GeocodeError::BadCoordinates { input, reason } = &e else { panic!("{e:?}") };
    assert_eq!(input, "-78.48,38.03");
    assert!(
        reason.contains("longitude,latitude") && reason.contains("\"38.03, -78.48\""),
        "{reason}"
    );
    assert!(e.to_string().starts_with("\"-78.48,38.03\" is not a usable latitude,longitude"));
    // Out of range and swapped: still says which way round.
    let e = err("-122.33,47.61");
    assert!(
        matches!(&e, GeocodeError::BadCoordinates { reason, .. } if reason.contains("\"47.61, -122.33\"")),
        "{e:?}"
    );
    let e = err("-122.33, 147.61");
    assert!(
        matches!(&e, GeocodeError::BadCoordinates { reason, .. } if reason.contains("from -90 to 90") && !reason.contains("try")),
        "{e:?}"
    );
}

#[test]
fn outside_the_us() {
    for input in ["0,0", "35,-40", "48.8566, 2.3522", "19.43,-99.13"] {
        assert_eq!(err(input), GeocodeError::OutsideUs { input: input.into() }, "{input}");
    }
    assert_eq!(err("0,0").to_string(), "\"0,0\" is outside the United States and its territories");
}

#[test]
fn garbage() {
    assert_eq!(err(""), GeocodeError::Empty);
    assert_eq!(err(" \t\n"), GeocodeError::Empty);
    assert!(!err("").to_string().is_empty());
    for input in [
        "!!!",
        "asdfghjkl",
        "zip",
        "ZIP code",
        "NaN,NaN",
        "inf,-inf",
        "1e3,5",
        "'; DROP TABLE",
        "\u{0}\u{1}",
        "🏥🏥",
    ] {
        assert!(matches!(err(input), GeocodeError::NotFound { .. }), "{input:?}");
    }
    // Very long input is refused without work, and the message stays short.
    let long = "Charlottesville ".repeat(100);
    let e = err(&long);
    assert!(matches!(&e, GeocodeError::NotFound { suggestions, .. } if suggestions.is_empty()));
    assert!(e.to_string().len() < 150, "{}", e.to_string().len());
    // Control characters are not echoed.
    assert!(!err("nowhere\u{7}ville").to_string().contains('\u{7}'));
}

#[test]
fn states_at_points() {
    let g = geocoder();
    assert_eq!(g.state_at(38.0293, -78.4767), Some("VA")); // Charlottesville
    assert_eq!(g.state_at(18.2208, -66.5901), Some("PR")); // central Puerto Rico
    // Adak, near 180° on the west side; Attu, across the antimeridian at +172.9.
    assert_eq!(g.state_at(51.86, -176.65), Some("AK"));
    assert_eq!(g.state_at(52.93, 172.9), Some("AK"));
    // Adak town on Kuluk Bay: the 1:10m coast leaves it in the water, the tolerance does not.
    assert_eq!(g.state_at(51.88, -176.6), None);
    assert_eq!(g.state_near(51.88, -176.6), Some("AK"));
    assert_eq!(g.state_at(21.3069, -157.8583), Some("HI")); // Honolulu
    assert_eq!(g.state_at(35.0, -40.0), None); // mid-Atlantic
    assert_eq!(g.state_at(0.0, 0.0), None);
    assert_eq!(g.state_at(f64::NAN, -78.0), None);
    assert_eq!(g.state_at(38.0, f64::INFINITY), None);
    assert!(!g.in_us(35.0, -40.0));
    assert!(!g.in_us(0.0, 0.0));
    assert!(g.in_us(52.93, 172.9));
    assert!(g.in_us(51.88, -176.6));
    assert!(!g.in_us(38.0, 400.0));
}

#[test]
fn coastal_tolerance() {
    let g = geocoder();
    // Walk east from Miami into the Atlantic along one parallel, 0.001 deg (about 100 m) at a
    // time: past the last point inside a shape, points stay in the US for about 5 km.
    let lat = 25.79;
    let step = |i: u32| -80.2 + f64::from(i) * 0.001;
    let first_out = (0..1000).find(|&i| !g.in_us(lat, step(i))).expect("the ocean is reached");
    let last_in =
        (0..first_out).rev().find(|&i| g.state_at(lat, step(i)).is_some()).expect("Miami");
    assert_eq!(g.state_at(lat, step(0)), Some("FL"));
    let offshore = step(last_in + 1);
    assert_eq!(g.state_at(lat, offshore), None);
    assert!(g.in_us(lat, offshore));
    assert_eq!(g.state_near(lat, offshore), Some("FL"));
    assert_eq!(ok(&format!("{lat},{offshore}")).state.as_deref(), Some("FL"));
    let km = haversine_m(lat, step(last_in), lat, step(first_out)) / 1000.0;
    assert!((4.8..=6.0).contains(&km), "{km} km");
    let e = err(&format!("{lat},{}", step(first_out)));
    assert!(matches!(e, GeocodeError::OutsideUs { .. }), "{e:?}");
}
