//! Reading the shipped CSV tables: ZCTA centroids, GeoNames postal codes, GeoNames city
//! centroids and territory places.

use std::collections::HashMap;
use std::path::Path;

use crate::Error;
use crate::text::{parse_zip, state_code};

/// One ZIP code.
#[derive(Debug, Clone)]
pub(crate) struct ZipRec {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    /// From GeoNames; for ZCTAs GeoNames lacks (Puerto Rico and the other territories, new
    /// ZIPs), from the state shape holding the point.
    pub(crate) state: Option<&'static str>,
    /// Place name from GeoNames, or the nearest known place for ZCTAs GeoNames lacks.
    pub(crate) place: Option<Box<str>>,
}

/// One city or town.
#[derive(Debug, Clone)]
pub(crate) struct City {
    pub(crate) name: Box<str>,
    pub(crate) state: &'static str,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    /// Size, to rank same-named places: the number of ZIPs sharing the name in GeoNames, or for
    /// territory places their population / 8,000 (about one ZIP per 8,000 residents in the US).
    pub(crate) weight: u32,
}

/// Reads a CSV file with a header, handing the named columns of each row to `row` with the
/// row's line number. `row` answers `Err(message)` for a bad value; the error names the file
/// and line.
fn read_csv<const N: usize>(
    path: &Path,
    columns: [&str; N],
    mut row: impl FnMut([&str; N]) -> Result<(), String>,
) -> Result<(), Error> {
    let file =
        std::fs::File::open(path).map_err(|source| Error::Read { path: path.into(), source })?;
    let mut rdr = csv::Reader::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    let csv_err = |e: csv::Error| Error::Csv {
        path: path.into(),
        line: e.position().map_or(1, csv::Position::line),
        message: e.to_string(),
    };
    let header = rdr.headers().map_err(csv_err)?.clone();
    let mut idx = [0usize; N];
    for (slot, c) in idx.iter_mut().zip(columns) {
        *slot = header.iter().position(|h| h == c).ok_or_else(|| Error::Csv {
            path: path.into(),
            line: 1,
            message: format!("the header has no column {c:?}"),
        })?;
    }
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(csv_err(e)),
        }
        let fields: [&str; N] = idx.map(|i| record.get(i).unwrap_or(""));
        let line = record.position().map_or(0, csv::Position::line);
        row(fields).map_err(|message| Error::Csv { path: path.into(), line, message })?;
    }
}

fn coord(value: &str, name: &str, limit: f64) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
        _ => Err(format!("{name} {value:?} is not a number from -{limit} to {limit}")),
    }
}

fn zip_key(value: &str) -> Result<u32, String> {
    match parse_zip(value) {
        Some(z) if value.len() == 5 => Ok(z),
        _ => Err(format!("{value:?} is not a five-digit ZIP code")),
    }
}

/// Reads GeoNames postal codes, then lets ZCTA internal points replace their coordinates.
///
/// GeoNames rows without a US state or territory (APO/FPO military codes, Marshall Islands)
/// are skipped: their points are abroad and no listing is there. Of a ZIP listed twice in
/// GeoNames, the first row wins.
pub(crate) fn read_zips(geonames: &Path, zcta: &Path) -> Result<HashMap<u32, ZipRec>, Error> {
    let mut zips: HashMap<u32, ZipRec> = HashMap::with_capacity(48_000);
    read_csv(
        geonames,
        ["postal_code", "place_name", "admin_code1", "latitude", "longitude"],
        |f| {
            let Some(state) = state_code(f[2]) else {
                return Ok(());
            };
            let zip = zip_key(f[0])?;
            let rec = ZipRec {
                lat: coord(f[3], "latitude", 90.0)?,
                lon: coord(f[4], "longitude", 180.0)?,
                state: Some(state),
                place: (!f[1].trim().is_empty()).then(|| f[1].trim().into()),
            };
            zips.entry(zip).or_insert(rec);
            Ok(())
        },
    )?;
    read_csv(zcta, ["zcta", "lat", "lon"], |f| {
        let zip = zip_key(f[0])?;
        let (lat, lon) = (coord(f[1], "lat", 90.0)?, coord(f[2], "lon", 180.0)?);
        zips.entry(zip)
            .and_modify(|r| {
                r.lat = lat;
                r.lon = lon;
            })
            .or_insert(ZipRec { lat, lon, state: None, place: None });
        Ok(())
    })?;
    Ok(zips)
}

/// Reads the GeoNames city centroids (50 states and DC) and the GeoNames territory places.
/// Rows of other codes (the Marshall Islands) are skipped.
pub(crate) fn read_cities(us: &Path, territories: &Path) -> Result<Vec<City>, Error> {
    let mut cities = Vec::with_capacity(30_000);
    let mut push = |f: [&str; 5], weight: u32| -> Result<(), String> {
        // GeoNames files the Marshall Islands (MH, freely associated, not a territory) with
        // the US; skipped like in `read_zips`.
        let Some(state) = state_code(f[1]) else { return Ok(()) };
        let name = f[0].trim();
        if name.is_empty() {
            return Err("the place name is empty".to_owned());
        }
        cities.push(City {
            name: name.into(),
            state,
            lat: coord(f[2], "lat", 90.0)?,
            lon: coord(f[3], "lon", 180.0)?,
            weight,
        });
        Ok(())
    };
    read_csv(us, ["place_name", "state_abbr", "lat", "lon", "zip_count"], |f| {
        let weight =
            f[4].parse::<u32>().map_err(|_| format!("zip_count {:?} is not a count", f[4]))?;
        push(f, weight)
    })?;
    read_csv(territories, ["place_name", "state_abbr", "lat", "lon", "population"], |f| {
        let pop =
            f[4].parse::<u32>().map_err(|_| format!("population {:?} is not a count", f[4]))?;
        push(f, pop.div_ceil(8_000).max(1))
    })?;
    Ok(cities)
}
