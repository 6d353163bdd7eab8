//! Whole-table checks: the tables agree with each other and with the shapes.

use std::collections::HashMap;

use iop_geo::{PlaceKind, files};

use crate::{csv_rows, geocoder};

#[test]
fn geonames_states_agree_with_the_shapes() {
    let g = geocoder();
    let rows: Vec<_> = csv_rows(files::GEONAMES_POSTAL)
        .into_iter()
        .filter(|r| iop_core::states::is_state(&r["admin_code1"]) && !r["admin_code1"].is_empty())
        .collect();
    let mut inside = 0;
    let mut agree = 0;
    let mut near_agree = 0;
    for r in &rows {
        let (lat, lon) =
            (r["latitude"].parse().expect("lat"), r["longitude"].parse().expect("lon"));
        if let Some(s) = g.state_at(lat, lon) {
            inside += 1;
            agree += usize::from(s == r["admin_code1"]);
        }
        near_agree += usize::from(g.state_near(lat, lon) == Some(r["admin_code1"].as_str()));
    }
    let n = rows.len();
    println!(
        "GeoNames ZIP points: {n}; inside a shape {inside}; same state {agree}; with tolerance {near_agree}"
    );
    assert!(agree as f64 >= 0.995 * inside as f64, "{agree}/{inside}");
    assert!(near_agree as f64 >= 0.99 * n as f64, "{near_agree}/{n}");
    assert!(near_agree > agree, "the tolerance finds coastal points");
}

#[test]
fn every_zcta_is_a_zip_in_the_us() {
    let g = geocoder();
    let rows = csv_rows(files::ZCTA);
    let mut no_state = Vec::new();
    for r in &rows {
        let p = g.zip(&r["zcta"]).expect("every ZCTA is a ZIP");
        assert_eq!(p.kind, PlaceKind::Zip);
        assert_eq!(
            (p.lat.to_string(), p.lon.to_string()),
            (
                r["lat"].parse::<f64>().expect("lat").to_string(),
                r["lon"].parse::<f64>().expect("lon").to_string()
            )
        );
        if p.state.is_none() {
            no_state.push(r["zcta"].clone());
        }
    }
    println!("ZCTAs: {}; without a state: {no_state:?}", rows.len());
    assert!(no_state.len() <= 5, "{no_state:?}");
}

#[test]
fn every_city_finds_itself() {
    let g = geocoder();
    let mut rows = csv_rows(files::CITIES);
    rows.extend(csv_rows(files::TERRITORY_PLACES));
    // GeoNames lists the Marshall Islands (MH, not a US territory) with the US; not loaded.
    let skipped = rows.iter().filter(|r| r["state_abbr"] == "MH").count();
    assert!(skipped < 10, "{skipped}");
    rows.retain(|r| r["state_abbr"] != "MH");
    let mut exact = 0;
    let mut by_label: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let input = format!("{}, {}", r["place_name"], r["state_abbr"]);
        let p = g.geocode(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(p.kind, PlaceKind::City, "{input}");
        assert_eq!(p.state.as_deref(), Some(r["state_abbr"].as_str()), "{input}");
        *by_label.entry(p.label.clone()).or_default() += 1;
        let (lat, lon): (f64, f64) =
            (r["lat"].parse().expect("lat"), r["lon"].parse().expect("lon"));
        exact += usize::from(p.lat == lat && p.lon == lon);
    }
    let n = rows.len();
    println!("places: {n}; found at their own point: {exact}; distinct labels {}", by_label.len());
    // The rest share a key with a bigger place of the same state ("St Johns" / "Saint Johns").
    assert!(exact as f64 >= 0.995 * n as f64, "{exact}/{n}");
}
