//! Offline geocoding for IOP Finder: ZIP codes, "City, ST" and `lat,lon` to a point, the US
//! state holding a point, and state outlines for a server-drawn SVG map.
//!
//! # Brief overview
//!
//! The principal type is [`Geocoder`], loaded once from the shipped tables in `data/geo/`
//! ([`Geocoder::load`]) and then shared (it is `Send + Sync` and never changes). Every lookup
//! is a hash-map probe on a normalised key and takes microseconds:
//!
//! - [`Geocoder::geocode`] reads what a user typed ("22902", "22902-1234", "Charlottesville,
//!   VA", "charlottesville va", "Charlottesville, Virginia", "38.03,-78.48") and answers a
//!   [`Place`] or a [`GeocodeError`] whose `Display` is one sentence fit to show the user.
//! - [`Geocoder::zip`], [`Geocoder::city`], [`Geocoder::zip_exists`], [`Geocoder::zip_state`]
//!   serve ingest, which has the parts already separated.
//! - [`Geocoder::state_at`] is point-in-polygon on the Census 1:10m state shapes;
//!   [`Geocoder::in_us`] adds a 5 km tolerance for coastal points the shapes leave offshore.
//! - [`Geocoder::suggest`] proposes near spellings for a place that was not found.
//!
//! The [`map`] module projects points with d3's AlbersUsa ([`map::albers_usa`]) and gives
//! each state's outline as an SVG path ([`map::StateOutlines`]).
//!
//! Sources (see `data/geo/SOURCE.md`): Census 2023 ZCTA internal points (public domain),
//! GeoNames postal codes and places (CC-BY, credit "GeoNames"), Census 2017 cartographic
//! boundaries via us-atlas (ISC). Load failures are [`Error`]s naming the file and line.

#![warn(missing_docs)]

pub mod map;
mod shapes;
mod tables;
mod text;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::shapes::Shapes;
use crate::tables::{City, ZipRec};
use crate::text::{
    FuzzyKey, StateNames, echo, fmt_coord, normalize, parse_pair, parse_zip, zip_string,
};

/// File names under `data/geo/`.
pub mod files {
    /// Census 2023 Gazetteer ZCTA internal points.
    pub const ZCTA: &str = "zcta_centroids_2023_census_gazetteer.csv";
    /// GeoNames US postal codes (2019).
    pub const GEONAMES_POSTAL: &str = "geonames_us_postal_codes_2019.csv";
    /// City centroids derived from GeoNames postal codes.
    pub const CITIES: &str = "us_city_centroids_from_geonames_2019.csv";
    /// GeoNames populated places of PR, VI, GU, AS and MP (GeoNames' US file has none).
    pub const TERRITORY_PLACES: &str = "us_territory_places_from_geonames.csv";
    /// State shapes in lon/lat degrees.
    pub const STATES_WGS84: &str = "us_states_2017_census_cb_10m_wgs84.geojson";
    /// State shapes pre-projected with AlbersUsa into a 975x610 viewport.
    pub const STATES_ALBERS: &str = "us_states_2017_census_cb_10m_albers_975x610.geojson";
}

/// How far outside the 1:10m shapes a point may be and still count as in the US: the
/// simplified coastline is off by up to a few kilometres, and piers, barrier islands and keys
/// fall outside it.
pub const COAST_TOLERANCE_KM: f64 = 5.0;

/// A ZIP-code point that GeoNames does not name is labelled with the nearest known place within
/// this distance.
const LABEL_PLACE_MAX_KM: f64 = 25.0;

/// How many suggestions a [`GeocodeError::NotFound`] from [`Geocoder::geocode`] carries.
const MAX_SUGGESTIONS: usize = 5;

/// A failure to load the shipped data. Each variant names the file; row errors name the line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV row (or the header, line 1) is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A GeoJSON file is not valid JSON of the expected shape.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The file parses but its content is unusable (e.g. an unknown state code).
    #[error("{}: {message}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// What kind of input a [`Place`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A ZIP code: its ZCTA internal point, or its GeoNames point for PO-box ZIPs.
    Zip,
    /// A city or town: the mean of its ZIP points (or a GeoNames place in the territories).
    City,
    /// Coordinates the user gave.
    Point,
}

/// A geocoded location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// For display: "Charlottesville, VA 22902", "Charlottesville, VA", "38.03, -78.48".
    pub label: String,
    /// USPS code of the state or territory, when known.
    pub state: Option<String>,
    /// Five-digit ZIP, for [`PlaceKind::Zip`].
    pub zip: Option<String>,
    /// What the input was.
    pub kind: PlaceKind,
}

/// Why an input could not be geocoded. `Display` is one sentence naming the input, fit to show
/// the user (the input is trimmed and cut to 80 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeocodeError {
    /// Nothing (or only spaces) was given.
    #[error("no location was given: enter a ZIP code, a city and state, or latitude,longitude")]
    Empty,
    /// No ZIP or place by that name; `suggestions` are near spellings ("Charlottesville, VA"),
    /// or the states that have a place of that name when no state was given.
    #[error("{}", not_found_message(input, suggestions))]
    NotFound {
        /// The input as the user typed it (trimmed, shortened).
        input: String,
        /// Labels that [`Geocoder::geocode`] would find, best first.
        suggestions: Vec<String>,
    },
    /// Two numbers that are not a usable latitude,longitude (out of range, or swapped).
    #[error("\"{input}\" is not a usable latitude,longitude: {reason}")]
    BadCoordinates {
        /// The input as the user typed it (trimmed, shortened).
        input: String,
        /// What is wrong, and the fix when there is one.
        reason: String,
    },
    /// Valid coordinates outside the United States and its territories.
    #[error("\"{input}\" is outside the United States and its territories")]
    OutsideUs {
        /// The input as the user typed it (trimmed, shortened).
        input: String,
    },
}

fn not_found_message(input: &str, suggestions: &[String]) -> String {
    let is_zip = !input.is_empty() && input.chars().all(|c| c.is_ascii_digit() || c == '-');
    let quoted: Vec<String> = suggestions.iter().take(3).map(|s| format!("\"{s}\"")).collect();
    let choices = match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    // "Springfield" alone: every suggestion is a Springfield in some state.
    let key = normalize(input);
    let ambiguous = suggestions.len() > 1
        && suggestions
            .iter()
            .all(|s| s.rsplit_once(", ").is_some_and(|(city, _)| normalize(city) == key));
    if ambiguous {
        format!("there is a \"{input}\" in more than one state: did you mean {choices}?")
    } else if is_zip {
        format!("no ZIP code \"{input}\" was found")
    } else if choices.is_empty() {
        format!("no place called \"{input}\" was found")
    } else {
        format!("no place called \"{input}\" was found; did you mean {choices}?")
    }
}

/// The offline geocoder. Load once with [`Geocoder::load`]; all lookups are synchronous.
pub struct Geocoder {
    zips: HashMap<u32, ZipRec>,
    cities: Vec<City>,
    /// Normalised name -> indices into `cities`, one per state, biggest first.
    by_name: HashMap<String, Vec<u32>>,
    /// Every key of `by_name`, for suggestions without a state.
    names: Vec<FuzzyKey>,
    /// State -> (normalised name, index into `cities`), for suggestions within a state.
    by_state: HashMap<&'static str, Vec<(FuzzyKey, u32)>>,
    states: StateNames,
    shapes: Shapes,
}

impl std::fmt::Debug for Geocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geocoder")
            .field("zips", &self.zips.len())
            .field("places", &self.by_name.values().map(Vec::len).sum::<usize>())
            .field("state_polygons", &self.shapes.len())
            .finish()
    }
}

/// One way to read a text input: a normalised city name and maybe a state.
type Reading = (String, Option<&'static str>);

impl Geocoder {
    /// Loads the tables from `data_dir/geo/` (`data_dir` is the repository's `data/`).
    pub fn load(data_dir: &Path) -> Result<Geocoder, Error> {
        let dir = data_dir.join("geo");
        let mut zips =
            tables::read_zips(&dir.join(files::GEONAMES_POSTAL), &dir.join(files::ZCTA))?;
        let cities =
            tables::read_cities(&dir.join(files::CITIES), &dir.join(files::TERRITORY_PLACES))?;
        let shapes =
            Shapes::new(shapes::read_states(&dir.join(files::STATES_WGS84))?, COAST_TOLERANCE_KM);

        // One entry per (name, state): the biggest wins ("St Johns" and "Saint Johns" are one
        // key; GeoNames territory files list "Bayamón" and "Bayamon").
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::with_capacity(cities.len());
        for (i, c) in cities.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion places");
            by_name.entry(normalize(&c.name)).or_default().push(i);
        }
        let mut by_state: HashMap<&'static str, Vec<(FuzzyKey, u32)>> = HashMap::new();
        for (key, list) in &mut by_name {
            list.sort_by_key(|&i| {
                let c = &cities[i as usize];
                (Reverse(c.weight), c.state, i)
            });
            let mut seen = Vec::with_capacity(list.len());
            list.retain(|&i| {
                let st = cities[i as usize].state;
                let fresh = !seen.contains(&st);
                seen.push(st);
                fresh
            });
            for &i in list.iter() {
                let fuzzy = FuzzyKey::new(key.clone());
                by_state.entry(cities[i as usize].state).or_default().push((fuzzy, i));
            }
        }

        // ZCTAs that GeoNames lacks (Puerto Rico and the other territories, newer ZIPs): the
        // state from the shapes, the label from the nearest place in that state.
        for rec in zips.values_mut().filter(|r| r.state.is_none()) {
            rec.state = shapes.nearest(rec.lat, rec.lon, COAST_TOLERANCE_KM).map(|(s, _)| s);
            let Some(st) = rec.state else { continue };
            rec.place = by_state
                .get(st)
                .into_iter()
                .flatten()
                .map(|&(_, i)| {
                    let c = &cities[i as usize];
                    (iop_core::distance::haversine_m(rec.lat, rec.lon, c.lat, c.lon), i)
                })
                .filter(|&(d, _)| d <= LABEL_PLACE_MAX_KM * 1000.0)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, i)| cities[i as usize].name.clone());
        }

        let names: Vec<FuzzyKey> = by_name.keys().cloned().map(FuzzyKey::new).collect();
        Ok(Geocoder { zips, cities, by_name, names, by_state, states: StateNames::new(), shapes })
    }

    /// Geocodes what a user typed: a ZIP ("22902", "22902-1234"), a city and state in any
    /// usual spelling ("Charlottesville, VA", "charlottesville va", "Charlottesville,
    /// Virginia", "Charlottesville, VA 22902"), or "lat,lon" ("38.03,-78.48").
    ///
    /// A city name without a state is found when only one state has a place of that name;
    /// otherwise the error suggests each "City, ST". Never panics, whatever the input.
    pub fn geocode(&self, input: &str) -> Result<Place, GeocodeError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(GeocodeError::Empty);
        }
        let not_found = |suggestions| GeocodeError::NotFound { input: echo(trimmed), suggestions };
        if trimmed.len() > text::MAX_INPUT_BYTES {
            return Err(not_found(Vec::new()));
        }
        if let Some(zip) = parse_zip(trimmed) {
            return self.zip_place(zip).ok_or_else(|| not_found(Vec::new()));
        }
        if let Some((a, b)) = parse_pair(trimmed) {
            return self.point(trimmed, a, b);
        }
        let (text, zip) = split_trailing_zip(trimmed);
        if let Some(place) = zip.and_then(|z| self.zip_place(z)) {
            return Ok(place);
        }
        let words = text::tokens(text);
        if words.is_empty() || matches!(words.as_slice(), [z] | [z, _] if z == "zip") {
            return Err(not_found(Vec::new()));
        }
        match self.find_text(text) {
            Some(i) => Ok(self.city_place(i)),
            None => Err(not_found(self.suggest(trimmed, MAX_SUGGESTIONS))),
        }
    }

    /// The place of a ZIP code ("22902" or "22902-1234"): the ZCTA internal point, or for ZIPs
    /// without a ZCTA (PO boxes, single buildings) the GeoNames point. State and place name
    /// from GeoNames.
    pub fn zip(&self, zip: &str) -> Option<Place> {
        self.zip_place(parse_zip(zip)?)
    }

    /// A city or town in a state (code or name: "VA", "Virginia").
    pub fn city(&self, city: &str, state: &str) -> Option<Place> {
        if city.len() > text::MAX_INPUT_BYTES || state.len() > text::MAX_INPUT_BYTES {
            return None;
        }
        let st = self.states.parse(state)?;
        self.city_in(&normalize(city), st).map(|i| self.city_place(i))
    }

    /// Whether the ZIP code is known (a ZCTA or a GeoNames postal code).
    pub fn zip_exists(&self, zip: &str) -> bool {
        parse_zip(zip).is_some_and(|z| self.zips.contains_key(&z))
    }

    /// The USPS state code of a ZIP code.
    pub fn zip_state(&self, zip: &str) -> Option<&'static str> {
        self.zips.get(&parse_zip(zip)?)?.state
    }

    /// The USPS code of the state or territory whose shape holds the point (point-in-polygon
    /// on the Census 1:10m shapes). `None` offshore, abroad, or for non-finite input; see
    /// [`Geocoder::state_near`] for points just off a coast.
    pub fn state_at(&self, lat: f64, lon: f64) -> Option<&'static str> {
        self.shapes.state_at(lat, lon)
    }

    /// Like [`Geocoder::state_at`], but a point within [`COAST_TOLERANCE_KM`] of a shape gets
    /// the nearest state (a pier, a key, a small island the 1:10m shapes leave out).
    pub fn state_near(&self, lat: f64, lon: f64) -> Option<&'static str> {
        self.shapes.nearest(lat, lon, COAST_TOLERANCE_KM).map(|(s, _)| s)
    }

    /// Whether the point is in the US or its territories, allowing [`COAST_TOLERANCE_KM`]
    /// around the shapes (so a point in a border town abroad within that distance counts).
    pub fn in_us(&self, lat: f64, lon: f64) -> bool {
        lat.abs() <= 90.0 && lon.abs() <= 180.0 && self.state_near(lat, lon).is_some()
    }

    /// Near spellings of a place that was not found, as "City, ST" labels, best first:
    /// "Charlotesville, VA" -> ["Charlottesville, VA"]. Also the same name in other states
    /// ("Hialeah, GA" -> "Hialeah, FL"), and a misspelt state ("Charlottesville, Virgina").
    pub fn suggest(&self, input: &str, max: usize) -> Vec<String> {
        if max == 0 || input.len() > text::MAX_INPUT_BYTES {
            return Vec::new();
        }
        let (text, _) = split_trailing_zip(input.trim());
        let mut readings = self.readings(text);
        readings.extend(self.fuzzy_state_readings(text));
        // (edit distance + 1 if in another state than asked, other state?, bigger first, index)
        let mut scored: Vec<(usize, bool, Reverse<u32>, u32)> = Vec::new();
        for (city, st) in readings {
            let query = FuzzyKey::new(city);
            let allowed = match query.len() {
                0 => continue,
                61.. => continue,
                1..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            match st {
                Some(st) => {
                    for (key, i) in self.by_state.get(st).into_iter().flatten() {
                        if let Some(d) = key.distance_within(&query, allowed) {
                            scored.push((d, false, Reverse(self.cities[*i as usize].weight), *i));
                        }
                    }
                    // The right name in the wrong state.
                    for &i in self.by_name.get(&query.key).into_iter().flatten() {
                        let c = &self.cities[i as usize];
                        if c.state != st {
                            scored.push((1, true, Reverse(c.weight), i));
                        }
                    }
                }
                None => {
                    for key in &self.names {
                        if let Some(d) = key.distance_within(&query, allowed) {
                            for &i in self.by_name.get(&key.key).into_iter().flatten() {
                                let w = self.cities[i as usize].weight;
                                scored.push((d, false, Reverse(w), i));
                            }
                        }
                    }
                }
            }
        }
        scored.sort();
        let mut out: Vec<String> = Vec::with_capacity(max);
        for (_, _, _, i) in scored {
            let label = self.city_label(i);
            if !out.contains(&label) {
                out.push(label);
                if out.len() == max {
                    break;
                }
            }
        }
        out
    }

    fn zip_place(&self, zip: u32) -> Option<Place> {
        let r = self.zips.get(&zip)?;
        let z = zip_string(zip);
        let label = match (&r.place, r.state) {
            (Some(p), Some(s)) => format!("{p}, {s} {z}"),
            (None, Some(s)) => format!("{s} {z}"),
            (_, None) => format!("ZIP {z}"),
        };
        Some(Place {
            lat: r.lat,
            lon: r.lon,
            label,
            state: r.state.map(str::to_owned),
            zip: Some(z),
            kind: PlaceKind::Zip,
        })
    }

    fn city_label(&self, i: u32) -> String {
        let c = &self.cities[i as usize];
        format!("{}, {}", c.name, c.state)
    }

    fn city_place(&self, i: u32) -> Place {
        let c = &self.cities[i as usize];
        Place {
            lat: c.lat,
            lon: c.lon,
            label: self.city_label(i),
            state: Some(c.state.to_owned()),
            zip: None,
            kind: PlaceKind::City,
        }
    }

    fn city_in(&self, key: &str, st: &str) -> Option<u32> {
        self.by_name.get(key)?.iter().copied().find(|&i| self.cities[i as usize].state == st)
    }

    /// The ways a text input can be read as (city, state), most specific first: the part after
    /// the last comma as the state, then the last one to three words as the state (longest
    /// first, so "Charleston West Virginia" is not Charleston in Virginia), then the whole
    /// text as a city with no state.
    fn readings(&self, text: &str) -> Vec<Reading> {
        let mut out: Vec<Reading> = Vec::new();
        let mut parts: Vec<Vec<String>> = text.split(',').map(text::tokens).collect();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty() || text::is_country(p)) {
            parts.pop();
        }
        if let [head @ .., last] = parts.as_slice()
            && !head.is_empty()
            && let Some(st) = self.states.get(&last.join(" "))
        {
            out.push((head.iter().flatten().cloned().collect::<Vec<_>>().join(" "), Some(st)));
        }
        let mut words: Vec<String> = parts.into_iter().flatten().collect();
        text::strip_country(&mut words);
        for k in (1..=self.states.max_words().min(words.len().saturating_sub(1))).rev() {
            let (city, state) = words.split_at(words.len() - k);
            if let Some(st) = self.states.get(&state.join(" ")) {
                out.push((city.join(" "), Some(st)));
            }
        }
        out.push((words.join(" "), None));
        out.dedup();
        out
    }

    /// Readings whose state is a misspelt state name ("Charlottesville, Virgina").
    fn fuzzy_state_readings(&self, text: &str) -> Vec<Reading> {
        let mut words: Vec<String> = text.split(',').flat_map(text::tokens).collect();
        text::strip_country(&mut words);
        let mut out = Vec::new();
        for k in (1..=self.states.max_words().min(words.len().saturating_sub(1))).rev() {
            let (city, state) = words.split_at(words.len() - k);
            for st in self.states.fuzzy(&state.join(" ")) {
                out.push((city.join(" "), Some(st)));
            }
        }
        out
    }

    fn find_text(&self, text: &str) -> Option<u32> {
        self.readings(text).into_iter().find_map(|(city, st)| match st {
            Some(st) => self.city_in(&city, st),
            None => match self.by_name.get(&city)?.as_slice() {
                [only] => Some(*only),
                _ => None,
            },
        })
    }

    fn point(&self, input: &str, a: f64, b: f64) -> Result<Place, GeocodeError> {
        let in_range = |lat: f64, lon: f64| lat.abs() <= 90.0 && lon.abs() <= 180.0;
        let swapped = in_range(b, a) && self.in_us(b, a);
        let try_instead = format!("\"{}, {}\"", fmt_coord(b), fmt_coord(a));
        let bad = |reason: String| GeocodeError::BadCoordinates { input: echo(input), reason };
        if !in_range(a, b) {
            return Err(bad(if swapped {
                format!(
                    "latitude comes first and must be from -90 to 90; these look like \
                     longitude,latitude, so try {try_instead}"
                )
            } else {
                "latitude must be from -90 to 90 and longitude from -180 to 180".to_owned()
            }));
        }
        if let Some(state) = self.state_near(a, b) {
            return Ok(Place {
                lat: a,
                lon: b,
                label: format!("{}, {}", fmt_coord(a), fmt_coord(b)),
                state: Some(state.to_owned()),
                zip: None,
                kind: PlaceKind::Point,
            });
        }
        if swapped {
            return Err(bad(format!(
                "these look like longitude,latitude (latitude comes first), so try {try_instead}"
            )));
        }
        Err(GeocodeError::OutsideUs { input: echo(input) })
    }
}

/// Splits "Charlottesville, VA 22902" into ("Charlottesville, VA", Some(22902)). The ZIP may
/// be ZIP+4. Input without a trailing ZIP comes back whole.
fn split_trailing_zip(text: &str) -> (&str, Option<u32>) {
    let text = text.trim_end();
    let is_sep = |c: char| c.is_whitespace() || c == ',';
    let Some((pos, sep)) = text.char_indices().rev().find(|&(_, c)| is_sep(c)) else {
        return (text, None);
    };
    // The separator may be a multi-byte space (U+2008): slice after its last byte.
    match parse_zip(&text[pos + sep.len_utf8()..]) {
        Some(z) => (text[..pos].trim_end_matches(is_sep), Some(z)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_zip() {
        assert_eq!(
            split_trailing_zip("Charlottesville, VA 22902"),
            ("Charlottesville, VA", Some(22902))
        );
        assert_eq!(
            split_trailing_zip("Charlottesville VA, 22902-1234"),
            ("Charlottesville VA", Some(22902))
        );
        assert_eq!(split_trailing_zip("Charlottesville, VA"), ("Charlottesville, VA", None));
        assert_eq!(split_trailing_zip("22902"), ("22902", None));
        // Found by proptest: a multi-byte space before the ZIP.
        assert_eq!(split_trailing_zip("Adak\u{2008}99546"), ("Adak", Some(99546)));
        assert_eq!(split_trailing_zip("x\u{2008}y"), ("x\u{2008}y", None));
    }

    #[test]
    fn messages() {
        let e = GeocodeError::NotFound {
            input: "Springfeld, IL".into(),
            suggestions: vec!["Springfield, IL".into()],
        };
        assert_eq!(
            e.to_string(),
            "no place called \"Springfeld, IL\" was found; did you mean \"Springfield, IL\"?"
        );
        let e = GeocodeError::NotFound { input: "00000".into(), suggestions: vec![] };
        assert_eq!(e.to_string(), "no ZIP code \"00000\" was found");
        let e = GeocodeError::NotFound {
            input: "springfield".into(),
            suggestions: vec![
                "Springfield, MO".into(),
                "Springfield, IL".into(),
                "Springfield, MA".into(),
            ],
        };
        assert_eq!(
            e.to_string(),
            "there is a \"springfield\" in more than one state: did you mean \"Springfield, MO\", \
             \"Springfield, IL\" or \"Springfield, MA\"?"
        );
    }
}
