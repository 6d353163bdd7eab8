//! Helpers shared by the index test binaries: hand-made listings and a built index in a
//! temporary directory.
// Each test binary uses a different subset.
#![allow(dead_code)]

use std::path::Path;

use iop_core::search::{Area, SearchRequest, SearchResults};
use iop_core::{Address, Attr, Group, Listing, Location};
use iop_index::Index;

/// A listing with an id and a name; everything else unknown.
pub fn listing(id: &str, name: &str) -> Listing {
    Listing { id: id.into(), name: name.into(), ..Listing::default() }
}

/// Places a listing.
pub fn at(mut l: Listing, lat: f64, lon: f64) -> Listing {
    l.location = Some(Location { lat, lon, approximate: false });
    l
}

/// Sets the address state.
pub fn in_state(mut l: Listing, st: &str) -> Listing {
    l.address = Address { state: Some(st.into()), ..Address::default() };
    l
}

/// Sets a description.
pub fn described(mut l: Listing, text: &str) -> Listing {
    l.description = Some(text.into());
    l
}

/// Sets a group to a known list.
pub fn known(mut l: Listing, g: Group, values: &[&str]) -> Listing {
    *l.attr_mut(g).expect("a list group") = Attr::known(values.iter().copied());
    l
}

/// Sets schedule facets known to hold.
pub fn schedule(mut l: Listing, facets: &[&str]) -> Listing {
    for f in facets {
        l.schedule.set_facet(f);
    }
    l
}

/// Builds an index of `listings` in `dir`, and opens it.
pub fn build(dir: &Path, listings: Vec<Listing>) -> Index {
    iop_index::build(dir, listings, &mut |_| {}).expect("build");
    Index::open(dir).expect("open")
}

/// A request for the first 100 results.
pub fn request() -> SearchRequest {
    SearchRequest { page: 1, per_page: 100, ..SearchRequest::default() }
}

/// A request with text.
pub fn text(q: &str) -> SearchRequest {
    SearchRequest { text: Some(q.into()), ..request() }
}

/// A radius area.
pub fn radius(lat: f64, lon: f64, radius_m: f64, state: Option<&str>) -> Option<Area> {
    Some(Area::Radius { lat, lon, radius_m, state: state.map(Into::into) })
}

/// The ids of the hits, in order.
pub fn ids(r: &SearchResults) -> Vec<String> {
    r.hits.iter().map(|h| h.listing.id.clone()).collect()
}

/// Filter values.
pub fn values(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
