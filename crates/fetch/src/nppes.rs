//! The NPPES NPI Registry API, version 2.1 (`GET https://npiregistry.cms.hhs.gov/api/?version=2.1&...`).
//!
//! A query names a taxonomy (`taxonomy_description`), usually a state, and an enumeration type
//! (NPI-2 organisations by default: facilities, not individual clinicians). Each answer is
//! `{"result_count": n, "results": [...]}` where `result_count` is the size of *this* answer;
//! paging is by `limit` (at most 200) and `skip` (at most 1,000).
//!
//! # The 1,200-result ceiling
//!
//! Because `skip` stops at 1,000, one query can reach at most 1,200 results (`skip=1000` +
//! `limit=200`). When the last reachable page is full, [`FetchReport::truncated`] is set and a
//! warning is logged; narrow the query (by `city` or a `postal_code` prefix such as `229*`)
//! to see the rest. Splitting a query automatically is not done here.
//!
//! # Taxonomy codes
//!
//! The registry matches `taxonomy_description` against descriptions only ("Exact Description or
//! Exact Specialty or wildcard * after 2 characters", says its demo page; a code such as
//! `261QR0405X` matches nothing). So a NUCC code in [`NppesQuery::taxonomy`] is translated to
//! the description the registry itself shows for it (classification and specialization, as in
//! the `desc` of its answers: `261QR0405X` -> `Clinic/Center Rehabilitation, Substance Use
//! Disorder`), from the NUCC v25.1 behavioral-health and SUD subset shipped in
//! `data/nucc/`. Anything else is sent as written.
//!
//! # Errors
//!
//! The registry answers a query it refuses with `{"Errors":[{"field","number","description"}]}`;
//! that becomes [`Error::Api`], which shows each field and description.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::config::ClientConfig;
use crate::error::{ApiError, Error, Result};
use crate::http::{BodyProblem, Endpoint, Next, PageFacts, Pager};
use crate::pages::{FetchReport, PageProgress};

/// The API version this client speaks.
pub const API_VERSION: &str = "2.1";

/// The API's largest `limit`.
pub const MAX_LIMIT: u32 = 200;

/// The API's largest `skip`.
pub const MAX_SKIP: u32 = 1000;

/// The most results one query can reach (`MAX_SKIP + MAX_LIMIT`).
pub const MAX_RESULTS: u32 = MAX_SKIP + MAX_LIMIT;

/// NUCC Health Care Provider Taxonomy v25.1, behavioral-health and SUD subset
/// (`Code,Grouping,Classification,Specialization,Display Name,Section`). NUCC attribution:
/// "Health Care Provider Taxonomy code set, National Uniform Claim Committee (nucc.org)".
const NUCC_SUBSET_CSV: &str =
    include_str!("../../../data/nucc/nucc_taxonomy_251_behavioral_sud_subset.csv");

/// Which NPI records to ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnumerationType {
    /// NPI-2: organisations (clinics, facilities, agencies).
    #[default]
    Organizations,
    /// NPI-1: individual practitioners.
    Individuals,
    /// Both kinds.
    Any,
}

/// One registry query. Build it with [`NppesQuery::new`] and set the optional fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NppesQuery {
    /// A NUCC taxonomy code (`261QR0405X`) or a description as the registry writes it
    /// (`Substance Abuse Rehabilitation Facility`, or with a wildcard: `Clinic/Center Rehab*`).
    pub taxonomy: String,
    /// Two-letter state.
    pub state: Option<String>,
    /// City, to narrow a query that hits the 1,200-result ceiling.
    pub city: Option<String>,
    /// Postal code or prefix with a wildcard (`229*`), to narrow a query.
    pub postal_code: Option<String>,
    /// NPI-2 organisations unless said otherwise.
    pub enumeration_type: EnumerationType,
    /// Results per page, 1 to [`MAX_LIMIT`].
    pub limit: u32,
}

impl NppesQuery {
    /// Organisations with this taxonomy (code or description), all states, 200 per page.
    pub fn new(taxonomy: impl Into<String>) -> NppesQuery {
        NppesQuery {
            taxonomy: taxonomy.into(),
            state: None,
            city: None,
            postal_code: None,
            enumeration_type: EnumerationType::default(),
            limit: MAX_LIMIT,
        }
    }

    /// The same query restricted to a state.
    pub fn in_state(self, state: impl Into<String>) -> NppesQuery {
        NppesQuery { state: Some(state.into()), ..self }
    }

    /// The query parameters, paging excluded; an error names what is wrong.
    fn params(&self) -> Result<Vec<(&'static str, String)>> {
        let mut params = vec![("version", API_VERSION.to_owned())];
        let taxonomy = self.taxonomy.trim();
        if taxonomy.is_empty() {
            return Err(Error::Query("the taxonomy is empty".into()));
        }
        let description = if looks_like_code(taxonomy) {
            taxonomy_description(taxonomy).ok_or_else(|| {
                Error::Query(format!(
                    "taxonomy code {taxonomy} is not in the NUCC behavioral-health and SUD list \
                     this client knows; pass the registry's description for it instead"
                ))
            })?
        } else {
            taxonomy.to_owned()
        };
        params.push(("taxonomy_description", description));
        match self.enumeration_type {
            EnumerationType::Organizations => params.push(("enumeration_type", "NPI-2".into())),
            EnumerationType::Individuals => params.push(("enumeration_type", "NPI-1".into())),
            EnumerationType::Any => {}
        }
        if let Some(state) = &self.state {
            let state = state.trim();
            if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::Query(format!(
                    "state {state:?} is not a two-letter code such as VA"
                )));
            }
            params.push(("state", state.to_ascii_uppercase()));
        }
        for (key, value) in [("city", &self.city), ("postal_code", &self.postal_code)] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                params.push((key, value.to_owned()));
            }
        }
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::Query(format!(
                "limit {} is not between 1 and {MAX_LIMIT}",
                self.limit
            )));
        }
        params.push(("limit", self.limit.to_string()));
        Ok(params)
    }
}

/// Whether `s` has the shape of a NUCC taxonomy code: ten letters and digits ending in `X`,
/// starting with a digit (`261QR0405X`, `324500000X`).
pub fn looks_like_code(s: &str) -> bool {
    s.len() == 10
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.as_bytes()[0].is_ascii_digit()
        && s.ends_with(['X', 'x'])
}

/// The description the registry shows for a NUCC code (`Classification Specialization`), for
/// the behavioral-health and SUD codes shipped in `data/nucc/`; `None` for other codes.
pub fn taxonomy_description(code: &str) -> Option<String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(NUCC_SUBSET_CSV.as_bytes());
        reader
            .records()
            .map(|r| r.expect("the compiled-in NUCC table is valid CSV"))
            .map(|r| {
                let classification = r.get(2).unwrap_or_default().trim();
                let specialization = r.get(3).unwrap_or_default().trim();
                let desc = if specialization.is_empty() {
                    classification.to_owned()
                } else {
                    format!("{classification} {specialization}")
                };
                (r.get(0).unwrap_or_default().trim().to_ascii_uppercase(), desc)
            })
            .collect()
    });
    table.get(&code.trim().to_ascii_uppercase()).cloned()
}

/// The NPPES NPI Registry client.
#[derive(Debug)]
pub struct NppesClient {
    endpoint: Endpoint,
}

impl NppesClient {
    /// A client for `config.base_url` (see [`ClientConfig::nppes`]).
    pub fn new(config: ClientConfig) -> Result<NppesClient> {
        Ok(NppesClient { endpoint: Endpoint::new(config, "")? })
    }

    /// The endpoint URL (the base URL, with a trailing slash).
    pub fn endpoint(&self) -> &str {
        self.endpoint.url()
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        self.endpoint.config()
    }

    /// Fetches one page (1-based: `skip = (page - 1) * limit`) and returns it parsed; nothing is
    /// written.
    pub fn fetch_page(&self, query: &NppesQuery, page: u32) -> Result<Value> {
        self.endpoint.fetch_page(&self.pager(query)?, page)
    }

    /// Pages through the result into `out_dir` like
    /// [`FindTreatmentClient::fetch_all`](crate::FindTreatmentClient::fetch_all), stopping at
    /// the registry's ceiling ([`MAX_RESULTS`]; see [`FetchReport::truncated`]).
    pub fn fetch_all(
        &self,
        query: &NppesQuery,
        out_dir: &Path,
        mut progress: impl FnMut(PageProgress),
    ) -> Result<FetchReport> {
        self.endpoint.fetch_all(&self.pager(query)?, out_dir, &mut progress)
    }

    fn pager(&self, query: &NppesQuery) -> Result<NppesPager<'_>> {
        Ok(NppesPager {
            endpoint: self.endpoint.url(),
            params: query.params()?,
            limit: query.limit,
        })
    }
}

struct NppesPager<'a> {
    endpoint: &'a str,
    params: Vec<(&'static str, String)>,
    limit: u32,
}

impl NppesPager<'_> {
    fn skip(&self, page: u32) -> u32 {
        (page - 1).saturating_mul(self.limit)
    }
}

impl Pager for NppesPager<'_> {
    fn source(&self) -> &'static str {
        "nppes"
    }

    fn endpoint(&self) -> &str {
        self.endpoint
    }

    fn query_params(&self) -> Vec<(&'static str, String)> {
        self.params.clone()
    }

    fn page_params(&self, page: u32) -> Vec<(&'static str, String)> {
        vec![("skip", self.skip(page).to_string())]
    }

    fn inspect(&self, body: &Value) -> std::result::Result<PageFacts, BodyProblem> {
        if let Some(errors) = api_errors(body) {
            return Err(BodyProblem::Api(errors));
        }
        match body.get("results") {
            Some(Value::Array(results)) => {
                Ok(PageFacts { rows: results.len(), total_pages: None, record_count: None })
            }
            Some(_) => Err(BodyProblem::Malformed("\"results\" is not a list".into())),
            None => Err(BodyProblem::Malformed("the JSON has no \"results\"".into())),
        }
    }

    fn after(&self, page: u32, facts: &PageFacts, _first: &PageFacts) -> Next {
        if facts.rows < self.limit as usize {
            Next::Done
        } else if self.skip(page + 1) > MAX_SKIP {
            Next::Truncated
        } else {
            Next::More
        }
    }
}

/// The registry's error list, if `body` is one (`{"Errors":[{field, number, description}]}`).
pub fn api_errors(body: &Value) -> Option<Vec<ApiError>> {
    let errors = body.get("Errors")?;
    let text = |e: &Value, key: &str| match e.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let list = match errors {
        Value::Array(list) => list.iter().collect::<Vec<_>>(),
        single => vec![single],
    };
    Some(
        list.into_iter()
            .map(|e| ApiError {
                field: text(e, "field"),
                number: text(e, "number"),
                description: text(e, "description"),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param<'a>(params: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
        params.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn codes_become_the_registry_descriptions() {
        assert_eq!(
            taxonomy_description("261QR0405X").as_deref(),
            Some("Clinic/Center Rehabilitation, Substance Use Disorder")
        );
        assert_eq!(
            taxonomy_description("324500000x").as_deref(),
            Some("Substance Abuse Rehabilitation Facility")
        );
        assert_eq!(taxonomy_description("261QM2800X").as_deref(), Some("Clinic/Center Methadone"));
        assert_eq!(taxonomy_description("207L00000X"), None, "anesthesiology is not in the subset");
        assert!(looks_like_code("261QR0405X"));
        assert!(!looks_like_code("Substance Abuse Rehabilitation Facility"));
        assert!(!looks_like_code("XXXXXXXXXX"));
    }

    #[test]
    fn the_recorded_answers_use_the_same_descriptions() {
        // Every taxonomy in the recorded registry answers whose code is in the shipped subset
        // must be described exactly as the registry describes it: that is what gets sent.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/nppes_npi_registry/");
        let mut checked = 0;
        for file in [
            "npi_api_v2.1_response_npi2_organizations_10.json",
            "npi_api_v2.1_response_npi1_individuals_10.json",
        ] {
            let text = std::fs::read_to_string(format!("{dir}{file}")).expect("recorded answer");
            let value: Value = serde_json::from_str(&text).expect("JSON");
            for result in value["results"].as_array().expect("results") {
                for t in result["taxonomies"].as_array().expect("taxonomies") {
                    let code = t["code"].as_str().expect("code");
                    if let Some(desc) = taxonomy_description(code) {
                        assert_eq!(desc, t["desc"].as_str().expect("desc"), "{code}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 0, "the recorded answers hold behavioral-health codes");
    }

    #[test]
    fn queries_become_the_documented_parameters() {
        let q = NppesQuery::new("261QR0405X").in_state("va");
        let p = q.params().expect("params");
        assert_eq!(param(&p, "version"), Some("2.1"));
        assert_eq!(
            param(&p, "taxonomy_description"),
            Some("Clinic/Center Rehabilitation, Substance Use Disorder")
        );
        assert_eq!(param(&p, "enumeration_type"), Some("NPI-2"));
        assert_eq!(param(&p, "state"), Some("VA"));
        assert_eq!(param(&p, "limit"), Some("200"));
        let q = NppesQuery { enumeration_type: EnumerationType::Any, ..NppesQuery::new("Psych*") };
        let p = q.params().expect("params");
        assert_eq!(param(&p, "taxonomy_description"), Some("Psych*"));
        assert_eq!(param(&p, "enumeration_type"), None);
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        let msg = |q: NppesQuery| q.params().expect_err("bad").to_string();
        assert!(msg(NppesQuery::new(" ")).contains("taxonomy is empty"));
        assert!(msg(NppesQuery::new("207L00000X")).contains("207L00000X"));
        assert!(msg(NppesQuery::new("Methadone").in_state("Virginia")).contains("\"Virginia\""));
        let q = NppesQuery { limit: 201, ..NppesQuery::new("Methadone") };
        assert!(msg(q).contains("limit 201"));
    }

    #[test]
    fn paging_stops_at_a_short_page_or_the_skip_ceiling() {
        let pager = NppesPager { endpoint: "x", params: vec![], limit: 200 };
        let facts = |rows| PageFacts { rows, total_pages: None, record_count: None };
        assert_eq!(pager.page_params(1), vec![("skip", "0".to_owned())]);
        assert_eq!(pager.page_params(6), vec![("skip", "1000".to_owned())]);
        assert_eq!(pager.after(1, &facts(200), &facts(200)), Next::More);
        assert_eq!(pager.after(5, &facts(200), &facts(200)), Next::More);
        assert_eq!(pager.after(6, &facts(200), &facts(200)), Next::Truncated);
        assert_eq!(pager.after(6, &facts(199), &facts(200)), Next::Done);
        assert_eq!(pager.after(1, &facts(0), &facts(0)), Next::Done);
    }
}
