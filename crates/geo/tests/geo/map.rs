//! The SVG map: AlbersUsa against d3, and the outlines against the projected points.

use iop_geo::map::{DEFAULT_TOLERANCE_PX, HEIGHT, StateOutlines, WIDTH, albers_usa};

use crate::{data_dir, geocoder};

fn outlines() -> &'static StateOutlines {
    static O: std::sync::OnceLock<StateOutlines> = std::sync::OnceLock::new();
    O.get_or_init(|| StateOutlines::load(&data_dir()).expect("outlines load"))
}

/// (lat, lon) -> (x, y) as computed by d3-geo 3.1.2 `geoAlbersUsa().scale(1300).translate([487.5,
/// 305])` under Node 20, and for Puerto Rico and St Croix by `geoAlbersUsaTerritories` of
/// d3-composite-projections 2.0.0 with the same scale and translate (d3's own answers `null`).
/// (name, lat, lon, d3's (x, y)).
type Reference = (&'static str, f64, f64, Option<(f64, f64)>);

const D3: &[Reference] = &[
    ("Charlottesville", 38.0293, -78.4767, Some((806.4012627734189, 291.89099460333784))),
    ("Anchorage", 61.2181, -149.9003, Some((112.277427569713, 544.2779162203778))),
    ("Honolulu", 21.3069, -157.8583, Some((266.95994676863154, 549.1903729395863))),
    ("Miami", 25.7617, -80.1918, Some((822.7383158297632, 572.5407791128295))),
    ("Seattle", 47.6062, -122.3321, Some((97.6249669465995, 46.31865922997736))),
    ("Key West", 24.5551, -81.78, Some((794.4058866029709, 604.4524932255463))),
    ("Adak", 51.88, -176.6, Some((-12.545737568942641, 600.2246643320207))),
    ("Attu", 52.93, 172.9, Some((-55.77885915687277, 571.8879681647325))),
    ("Kauai", 22.05, -159.5, Some((232.1786579568223, 532.2354851032308))),
    ("Bangor", 44.8, -68.77, Some((929.6566549768818, 103.41511839410009))),
    ("San Juan", 18.4655, -66.1057, Some((940.2234869685547, 585.6416242259559))),
    ("Ponce", 18.0111, -66.6141, Some((929.2490840250917, 595.9322377008859))),
    ("St Croix", 17.73, -64.75, Some((969.5033339334993, 602.2613607374954))),
    ("null island", 0.0, 0.0, None),
    ("mid-Atlantic", 35.0, -40.0, None),
    ("Mexico City", 19.43, -99.13, None),
];

#[test]
fn albers_usa_matches_d3() {
    for &(name, lat, lon, want) in D3 {
        let got = albers_usa(lat, lon);
        match (got, want) {
            (Some((x, y)), Some((wx, wy))) => {
                assert!(
                    (x - wx).abs() < 1e-6 && (y - wy).abs() < 1e-6,
                    "{name}: {got:?} vs {want:?}"
                );
            }
            _ => assert_eq!(got, want, "{name}"),
        }
    }
    assert_eq!(albers_usa(f64::NAN, 0.0), None);
    assert_eq!(albers_usa(91.0, -100.0), None);
}

#[test]
fn projected_cities_land_in_their_state() {
    for (input, state) in [
        ("Charlottesville, VA", "VA"),
        ("Anchorage, AK", "AK"),
        ("Honolulu, HI", "HI"),
        ("Miami, FL", "FL"),
        ("San Juan, PR", "PR"),
        ("Seattle, WA", "WA"),
        ("99546", "AK"),
    ] {
        let p = geocoder().geocode(input).expect(input);
        let (x, y) = albers_usa(p.lat, p.lon).expect(input);
        assert_eq!(outlines().state_at_xy(x, y), Some(state), "{input} at ({x}, {y})");
        // And inside the drawn, simplified path too.
        let rings = decode_path(outlines().svg_path(state).expect(state));
        assert!(rings.iter().any(|r| ring_contains(r, x, y)), "{input} outside its drawn path");
    }
}

#[test]
fn projection_agrees_with_the_preprojected_shapes() {
    // Every vertex of the WGS84 shapes, projected here, gives each state the same bounding box
    // as us-atlas' own AlbersUsa file (which was simplified separately, hence ~1 px).
    let wgs = read_geojson("us_states_2017_census_cb_10m_wgs84.geojson");
    let albers = read_geojson("us_states_2017_census_cb_10m_albers_975x610.geojson");
    assert_eq!(albers.len(), 51);
    for (code, rings) in &albers {
        let want = bbox(rings.iter().flatten().copied());
        let wgs_rings = &wgs.iter().find(|(c, _)| c == code).expect(code).1;
        let projected = wgs_rings.iter().flatten().map(|&(lon, lat)| {
            albers_usa(lat, lon)
                .unwrap_or_else(|| panic!("{code} vertex {lat},{lon} not projected"))
        });
        let got = bbox(projected);
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1.5, "{code}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn outlines_are_small_and_well_formed() {
    let o = outlines();
    let codes: Vec<&str> = o.all().map(|(c, _)| c).collect();
    assert_eq!(codes.len(), 53, "50 states, DC, PR and VI: {codes:?}");
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted");
    for (code, d) in o.all() {
        let rings = decode_path(d);
        assert!(!rings.is_empty(), "{code}");
        for &(x, y) in rings.iter().flatten() {
            // Alaska's western Aleutians run off the left edge in d3's layout too.
            assert!(
                (-70.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y),
                "{code} ({x},{y})"
            );
        }
    }
    let bytes = o.total_bytes();
    println!("path data at {DEFAULT_TOLERANCE_PX} px: {bytes} bytes");
    assert!(bytes < 40_000, "{bytes}");
    let full = o.simplified(0.0).total_bytes();
    let coarse = o.simplified(2.0).total_bytes();
    println!("at 0 px: {full} bytes; at 2 px: {coarse} bytes");
    assert!(coarse < bytes && bytes < full, "{coarse} {bytes} {full}");
    assert_eq!(o.svg_path("va"), o.svg_path("VA"));
    assert!(o.svg_path("VA").is_some_and(|d| d.starts_with('M')));
    assert_eq!(o.svg_path("GU"), None);
    assert_eq!(o.svg_path(""), None);
}

/// Parses the path grammar `push_ring` writes (M x y l dx dy ... z) back to absolute points.
fn decode_path(d: &str) -> Vec<Vec<(f64, f64)>> {
    let mut rings = Vec::new();
    let mut chars = d.char_indices().peekable();
    let mut numbers: Vec<f64> = Vec::new();
    let mut cmd = ' ';
    let flush = |cmd: char, numbers: &mut Vec<f64>, rings: &mut Vec<Vec<(f64, f64)>>| {
        match cmd {
            'M' => {
                assert_eq!(numbers.len(), 2, "M takes one point");
                rings.push(vec![(numbers[0], numbers[1])]);
            }
            'l' => {
                assert!(numbers.len().is_multiple_of(2) && numbers.len() >= 4, "l takes pairs");
                let ring = rings.last_mut().expect("l after M");
                for pair in numbers.chunks(2) {
                    let &(x, y) = ring.last().expect("a point");
                    ring.push((x + pair[0], y + pair[1]));
                }
            }
            _ => assert!(numbers.is_empty()),
        }
        numbers.clear();
    };
    while let Some((i, c)) = chars.next() {
        match c {
            'M' | 'l' | 'z' => {
                flush(cmd, &mut numbers, &mut rings);
                cmd = c;
            }
            ' ' => {}
            '-' | '.' | '0'..='9' => {
                let mut end = i + c.len_utf8();
                let mut seen_dot = c == '.';
                while let Some(&(j, n)) = chars.peek() {
                    if n.is_ascii_digit() || (n == '.' && !seen_dot) {
                        seen_dot |= n == '.';
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                numbers.push(d[i..end].parse().expect("a number"));
            }
            other => panic!("unexpected {other:?} in path"),
        }
    }
    flush(cmd, &mut numbers, &mut rings);
    rings
}

fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (x1, y1) = ring[i];
        let (x2, y2) = ring[(i + 1) % n];
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

type Rings = Vec<Vec<(f64, f64)>>;

fn read_geojson(file: &str) -> Vec<(String, Rings)> {
    let text = std::fs::read_to_string(data_dir().join("geo").join(file)).expect("geojson");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let pair = |p: &serde_json::Value| (p[0].as_f64().expect("x"), p[1].as_f64().expect("y"));
    v["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let code = f["properties"]["abbr"].as_str().expect("abbr").to_owned();
            let g = &f["geometry"];
            let polys: Vec<&serde_json::Value> = match g["type"].as_str() {
                Some("Polygon") => vec![&g["coordinates"]],
                _ => g["coordinates"].as_array().expect("multi").iter().collect(),
            };
            let rings = polys
                .into_iter()
                .flat_map(|p| p.as_array().expect("rings").iter())
                .map(|r| r.as_array().expect("ring").iter().map(pair).collect())
                .collect();
            (code, rings)
        })
        .collect()
}

fn bbox(points: impl Iterator<Item = (f64, f64)>) -> [f64; 4] {
    points.fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, (x, y)| {
        [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
    })
}
