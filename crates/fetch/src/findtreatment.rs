//! The FindTreatment.gov locator API (`GET /locator/exportsAsJson/v2`).
//!
//! A query is a state (`limitType=0`, `limitValue=<FindTreatment state id>`) or a point and a
//! radius (`limitType=2`, `sAddr="lat,lng"`, `limitValue=<metres>`), plus `sType` (default
//! `SA`, substance use), optional `sCodes` (facilities offering ALL the listed services),
//! `pageSize` (at most 2,000), `page` (1-based) and `sort=0`. Each answer is
//! `{page, totalPages, recordCount, rows: [...]}`.
//!
//! The state ids are SAMHSA's own (Appendix B of the API document, shipped in
//! `data/samhsa/api_state_ids.csv`): they are NOT FIPS codes (Virginia is 50, Maryland 18).
//! `sAddr` is sent as `"lat,lng"`, the order of the document's examples (its parameter table
//! says the reverse; the examples are what the live service was seen to take).

use std::path::Path;

use serde_json::Value;

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::http::{BodyProblem, Endpoint, Next, PageFacts, Pager};
use crate::pages::{FetchReport, PageProgress};

/// The path of the export endpoint under the base URL.
pub const ENDPOINT_PATH: &str = "/locator/exportsAsJson/v2";

/// The API's largest `pageSize`.
pub const MAX_PAGE_SIZE: u32 = 2000;

/// The page size used unless the query says otherwise: large enough for few requests, small
/// enough that a retried page does not re-download megabytes.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// Metres in a statute mile (the API takes radii in metres).
pub const METRES_PER_MILE: f64 = 1609.344;

/// The largest radius accepted: 500 miles, the same bound as the search API.
pub const MAX_RADIUS_M: f64 = 500.0 * METRES_PER_MILE;

/// Appendix B of the FindTreatment.gov API document: `state_name,state_abbr,findtreatment_state_id`.
const STATE_IDS_CSV: &str = include_str!("../../../data/samhsa/api_state_ids.csv");

/// The FindTreatment state id of a USPS state code (`VA` -> 50), case-insensitive.
pub fn state_id(code: &str) -> Option<u32> {
    let code = code.trim();
    STATE_IDS_CSV.lines().skip(1).find_map(|line| {
        let mut fields = line.rsplitn(3, ',');
        let id = fields.next()?.trim();
        let abbr = fields.next()?.trim();
        abbr.eq_ignore_ascii_case(code).then(|| id.parse().ok()).flatten()
    })
}

/// What area a query covers.
#[derive(Clone, Debug, PartialEq)]
pub enum Area {
    /// A whole state, by USPS code (`VA`).
    State(String),
    /// Everything within `radius_m` metres of a point.
    Near {
        /// Latitude, degrees north.
        lat: f64,
        /// Longitude, degrees east.
        lon: f64,
        /// Radius in metres.
        radius_m: f64,
    },
}

/// `sType`: which kind of facilities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceType {
    /// Substance use treatment (`SA`).
    #[default]
    SubstanceUse,
    /// Mental health (`MH`).
    MentalHealth,
    /// Both (`BOTH`).
    Both,
}

impl ServiceType {
    fn param(self) -> &'static str {
        match self {
            ServiceType::SubstanceUse => "SA",
            ServiceType::MentalHealth => "MH",
            ServiceType::Both => "BOTH",
        }
    }
}

/// One locator query. Build it with [`Query::state`] or [`Query::near`], then adjust the
/// public fields; everything is checked again when the query is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The area.
    pub area: Area,
    /// `sType`.
    pub service_type: ServiceType,
    /// `sCodes`: only facilities offering every one of these service codes (`OIT` for
    /// intensive outpatient). Empty: no restriction.
    pub service_codes: Vec<String>,
    /// `pageSize`, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
}

impl Query {
    /// All substance-use facilities of a state (`VA`).
    pub fn state(code: &str) -> Result<Query> {
        let query = Query {
            area: Area::State(code.trim().to_ascii_uppercase()),
            service_type: ServiceType::default(),
            service_codes: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
        };
        query.params()?;
        Ok(query)
    }

    /// All substance-use facilities within `radius_m` metres of a point.
    pub fn near(lat: f64, lon: f64, radius_m: f64) -> Result<Query> {
        let query = Query {
            area: Area::Near { lat, lon, radius_m },
            service_type: ServiceType::default(),
            service_codes: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
        };
        query.params()?;
        Ok(query)
    }

    /// Like [`Query::near`] with the radius in miles.
    pub fn near_mi(lat: f64, lon: f64, radius_mi: f64) -> Result<Query> {
        Query::near(lat, lon, radius_mi * METRES_PER_MILE)
    }

    /// The query parameters, page excluded; an error names what is wrong.
    fn params(&self) -> Result<Vec<(&'static str, String)>> {
        let mut params = vec![("sType", self.service_type.param().to_owned())];
        match &self.area {
            Area::State(code) => {
                let id = state_id(code).ok_or_else(|| {
                    Error::Query(format!(
                        "state {code:?} is not one of the 50 states and DC that the FindTreatment \
                         locator lists (use a two-letter code such as VA)"
                    ))
                })?;
                params.push(("limitType", "0".into()));
                params.push(("limitValue", id.to_string()));
            }
            &Area::Near { lat, lon, radius_m } => {
                if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                    return Err(Error::Query(format!("latitude {lat} is not between -90 and 90")));
                }
                if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                    return Err(Error::Query(format!(
                        "longitude {lon} is not between -180 and 180"
                    )));
                }
                if !(radius_m.is_finite() && (1.0..=MAX_RADIUS_M).contains(&radius_m)) {
                    return Err(Error::Query(format!(
                        "radius {radius_m} m is not between 1 m and {MAX_RADIUS_M} m (500 miles)"
                    )));
                }
                // Quoted, as in the API document's examples; whole decimetres are plenty.
                params.push(("sAddr", format!("\"{lat},{lon}\"")));
                params.push(("limitType", "2".into()));
                params.push(("limitValue", format!("{}", (radius_m * 10.0).round() / 10.0)));
            }
        }
        if !self.service_codes.is_empty() {
            if let Some(bad) = self
                .service_codes
                .iter()
                .find(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
            {
                return Err(Error::Query(format!(
                    "service code {bad:?} is not a SAMHSA service code (letters and digits, \
                     such as OIT)"
                )));
            }
            params.push(("sCodes", self.service_codes.join(",")));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::Query(format!(
                "page size {} is not between 1 and {MAX_PAGE_SIZE}",
                self.page_size
            )));
        }
        params.push(("pageSize", self.page_size.to_string()));
        params.push(("sort", "0".into()));
        Ok(params)
    }
}

/// The FindTreatment.gov locator client.
#[derive(Debug)]
pub struct FindTreatmentClient {
    endpoint: Endpoint,
}

impl FindTreatmentClient {
    /// A client for `config.base_url` (see [`ClientConfig::findtreatment`]).
    pub fn new(config: ClientConfig) -> Result<FindTreatmentClient> {
        Ok(FindTreatmentClient { endpoint: Endpoint::new(config, ENDPOINT_PATH)? })
    }

    /// The endpoint URL (base URL + [`ENDPOINT_PATH`]).
    pub fn endpoint(&self) -> &str {
        self.endpoint.url()
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        self.endpoint.config()
    }

    /// Fetches one page (1-based) and returns it parsed, with the same retries as
    /// [`FindTreatmentClient::fetch_all`]; nothing is written.
    pub fn fetch_page(&self, query: &Query, page: u32) -> Result<Value> {
        self.endpoint.fetch_page(&self.pager(query)?, page)
    }

    /// Pages through the whole result into `out_dir` (`page-0001.json`, ... and
    /// `manifest.json`; see [`crate::pages`]), resuming an interrupted run of the same query.
    pub fn fetch_all(
        &self,
        query: &Query,
        out_dir: &Path,
        mut progress: impl FnMut(PageProgress),
    ) -> Result<FetchReport> {
        self.endpoint.fetch_all(&self.pager(query)?, out_dir, &mut progress)
    }

    fn pager(&self, query: &Query) -> Result<FtPager<'_>> {
        Ok(FtPager {
            endpoint: self.endpoint.url(),
            params: query.params()?,
            page_size: query.page_size,
        })
    }
}

struct FtPager<'a> {
    endpoint: &'a str,
    params: Vec<(&'static str, String)>,
    page_size: u32,
}

impl Pager for FtPager<'_> {
    fn source(&self) -> &'static str {
        "findtreatment"
    }

    fn endpoint(&self) -> &str {
        self.endpoint
    }

    fn query_params(&self) -> Vec<(&'static str, String)> {
        self.params.clone()
    }

    fn page_params(&self, page: u32) -> Vec<(&'static str, String)> {
        vec![("page", page.to_string())]
    }

    fn inspect(&self, body: &Value) -> std::result::Result<PageFacts, BodyProblem> {
        let Some(object) = body.as_object() else {
            return Err(BodyProblem::Malformed("the JSON is not an object".into()));
        };
        let rows = match object.get("rows") {
            Some(Value::Array(rows)) => rows.len(),
            Some(_) => return Err(BodyProblem::Malformed("\"rows\" is not a list".into())),
            None => return Err(BodyProblem::Malformed("the JSON has no \"rows\"".into())),
        };
        let number = |key: &str| match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| BodyProblem::Malformed(format!("{key:?} is {v}, not a count"))),
        };
        let total_pages = number("totalPages")?
            .map(|n| {
                u32::try_from(n)
                    .map_err(|_| BodyProblem::Malformed(format!("totalPages {n} is absurd")))
            })
            .transpose()?;
        if total_pages.is_none() && rows >= self.page_size as usize {
            return Err(BodyProblem::Malformed(
                "a full page without \"totalPages\": cannot tell whether more pages follow".into(),
            ));
        }
        Ok(PageFacts { rows, total_pages, record_count: number("recordCount")? })
    }

    fn after(&self, page: u32, _facts: &PageFacts, first: &PageFacts) -> Next {
        match first.total_pages {
            Some(total) if page < total => Next::More,
            _ => Next::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param<'a>(params: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
        params.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn state_ids_are_samhsa_ids_not_fips() {
        assert_eq!(state_id("VA"), Some(50));
        assert_eq!(state_id("md"), Some(18));
        assert_eq!(state_id(" ME "), Some(1));
        assert_eq!(state_id("DC"), Some(27));
        assert_eq!(state_id("PR"), None, "Appendix B lists 50 states and DC only");
        assert_eq!(state_id("XX"), None);
        let rows: Vec<&str> = STATE_IDS_CSV.lines().skip(1).filter(|l| !l.is_empty()).collect();
        assert_eq!(rows.len(), 51);
        let mut ids: Vec<u32> = rows
            .iter()
            .map(|l| state_id(l.split(',').nth(1).expect("abbr")).expect("every row parses"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 51, "ids are distinct");
    }

    #[test]
    fn state_and_point_queries_become_the_documented_parameters() {
        let q = Query::state("va").expect("VA");
        let p = q.params().expect("params");
        assert_eq!(param(&p, "limitType"), Some("0"));
        assert_eq!(param(&p, "limitValue"), Some("50"));
        assert_eq!(param(&p, "sType"), Some("SA"));
        assert_eq!(param(&p, "sort"), Some("0"));
        assert_eq!(param(&p, "sAddr"), None);

        let q = Query::near_mi(38.03, -78.48, 25.0).expect("point");
        let p = q.params().expect("params");
        assert_eq!(param(&p, "sAddr"), Some("\"38.03,-78.48\""));
        assert_eq!(param(&p, "limitType"), Some("2"));
        assert_eq!(param(&p, "limitValue"), Some("40233.6"));
        let q = Query::near(39.141375, -77.203552, 80467.2).expect("document example");
        assert_eq!(param(&q.params().expect("params"), "limitValue"), Some("80467.2"));
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        let msg = |r: Result<Query>| r.expect_err("bad").to_string();
        assert!(msg(Query::state("XX")).contains("\"XX\""));
        assert!(msg(Query::near(91.0, 0.0, 1000.0)).contains("latitude 91"));
        assert!(msg(Query::near(38.0, -181.0, 1000.0)).contains("longitude -181"));
        assert!(msg(Query::near(38.0, -78.0, 0.0)).contains("radius"));
        assert!(msg(Query::near_mi(38.0, -78.0, 501.0)).contains("500 miles"));
        assert!(msg(Query::near(f64::NAN, -78.0, 10.0)).contains("latitude"));
        let mut q = Query::state("VA").expect("VA");
        q.page_size = 2001;
        assert!(q.params().expect_err("too big").to_string().contains("page size 2001"));
        q.page_size = 30;
        q.service_codes = vec!["OIT".into(), "O IT&x".into()];
        assert!(q.params().expect_err("bad code").to_string().contains("O IT&x"));
        q.service_codes = vec!["OIT".into(), "MD".into()];
        assert_eq!(param(&q.params().expect("ok"), "sCodes"), Some("OIT,MD"));
    }
}
