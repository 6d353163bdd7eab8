//! The plain-data search contract: what the front end asks and what the index answers.
//!
//! Nothing here knows tantivy or HTTP. Parameters arrive already validated (the web crate and the
//! CLI turn user input into a [`SearchRequest`] and report what is wrong); the index answers with
//! [`SearchResults`]. Distances are metres.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::listing::{Filters, Listing};
use crate::vocabulary::Group;

/// Where to search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Area {
    /// Within `radius_m` of a point (inclusive). `state` is the state the point lies in, used to
    /// match virtual programs that serve that state.
    Radius {
        /// Latitude of the centre.
        lat: f64,
        /// Longitude of the centre.
        lon: f64,
        /// Radius in metres.
        radius_m: f64,
        /// The state the centre is in, if known.
        state: Option<String>,
    },
    /// A whole state (USPS code).
    State(String),
}

/// How to order results. Ties always break by listing id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// The default: distance with a location, relevance with text, else name.
    #[default]
    Auto,
    /// Nearest first (needs a point; falls back to name otherwise).
    Distance,
    /// Best text match first, blended with distance when there is a point.
    Relevance,
    /// By name, A to Z.
    Name,
}

/// A search.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Where; `None` searches everywhere.
    pub area: Option<Area>,
    /// Free text (every word must match, through a synonym or a typo where needed).
    pub text: Option<String>,
    /// Filter values per group: OR within a group, AND across groups.
    pub filters: Filters,
    /// Also return listings whose record does not say either way for a filtered group.
    pub include_unknown: bool,
    /// Order.
    pub sort: Sort,
    /// 1-based page.
    pub page: usize,
    /// Results per page (1 to 100).
    pub per_page: usize,
}

impl SearchRequest {
    /// The order that `Sort::Auto` resolves to for this request.
    pub fn effective_sort(&self) -> Sort {
        let has_point = matches!(self.area, Some(Area::Radius { .. }));
        match self.sort {
            Sort::Auto if has_point => Sort::Distance,
            Sort::Auto if self.text.as_deref().is_some_and(|t| !t.trim().is_empty()) => {
                Sort::Relevance
            }
            Sort::Auto => Sort::Name,
            Sort::Distance if !has_point => Sort::Name,
            other => other,
        }
    }
}

/// Why a listing matched.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Matched {
    /// For each filtered group, the requested values the listing has.
    pub filters: Filters,
    /// Filtered groups the listing's record says nothing about (only with `include_unknown`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Group>,
    /// Query words (after synonyms and typo correction) that matched, as indexed terms.
    pub text: Vec<String>,
    /// True when the listing matched as a virtual program serving the searched state rather than
    /// by distance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub virtual_match: bool,
}

/// One result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The listing.
    pub listing: Listing,
    /// Metres from the search point, when there is one and the listing has a location.
    pub distance_m: Option<f64>,
    /// Text relevance score, when there is text.
    pub score: Option<f32>,
    /// Why it matched.
    pub matched: Matched,
}

/// Counts per value of one group, plus listings for which the group is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FacetCounts {
    /// Count per vocabulary value (every value present, zeros included).
    pub values: BTreeMap<String, u64>,
    /// Listings whose record says nothing about the group.
    pub unknown: u64,
}

/// The answer to a [`SearchRequest`].
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchResults {
    /// Exact number of matching listings.
    pub total: u64,
    /// The requested page of results.
    pub hits: Vec<Hit>,
    /// Disjunctive facet counts for every group.
    pub facets: BTreeMap<Group, FacetCounts>,
}
