/*!
HTTP clients for the live sources: the FindTreatment.gov locator and the NPPES NPI Registry.

# Brief overview

[`FindTreatmentClient`] queries the FindTreatment.gov locator by state or by point and radius
([`Query`]); [`NppesClient`] queries the NPI Registry by taxonomy and state ([`NppesQuery`]).
Both page through the whole result with `fetch_all`, writing each page's raw body to
`out_dir/page-0001.json`, `page-0002.json`, ... and a `manifest.json` (query, total pages,
record count, retrieval date), and return a [`FetchReport`]. `fetch_page` returns one page as
a [`serde_json::Value`] without writing anything.

This crate knows nothing about listings: it moves bytes politely and reliably. Turning pages
into listings is the ingest crate's job (`iop_ingest::nppes::parse_response` for the registry).

Both clients share one request loop, configured by [`ClientConfig`]:

- **Polite:** at most one request per [`ClientConfig::min_interval`] (1 s by default), a
  `User-Agent` naming the project ([`USER_AGENT`]).
- **Retries** with exponential backoff and jitter on connection errors, timeouts, `429` and
  `5xx`, and on answers that are not a page (HTML, cut-short JSON, JSON without its rows);
  `Retry-After` is honoured (up to [`ClientConfig::max_retry_after`]). Other `4xx` answers and
  an API's own refusal (NPPES `{"Errors":[...]}`) are not retried.
- **Resumable:** pages are written atomically (temporary file + rename); a run interrupted by
  an error or a kill is resumed by running the same query into the same folder, which fetches
  only the pages that are missing. See [`pages`].
- **Clear errors:** [`Error`] names the endpoint and page; when the network is down the message
  is one sentence: `cannot reach https://findtreatment.gov: <reason> (check the network, or
  use the shipped data)`.

# Usage

```no_run
use iop_fetch::{ClientConfig, FindTreatmentClient, NppesClient, NppesQuery, PageProgress, Query};
use std::path::Path;

# fn main() -> Result<(), iop_fetch::Error> {
// All substance-use facilities in Virginia (FindTreatment state id 50: not a FIPS code).
let client = FindTreatmentClient::new(ClientConfig::findtreatment())?;
let report = client.fetch_all(&Query::state("VA")?, Path::new("raw/findtreatment-va"), |p| {
    if let PageProgress::Fetched { page, total_pages, .. } = p {
        eprintln!("page {page} of {}", total_pages.unwrap_or(0));
    }
})?;
eprintln!("{} records in {} pages", report.records, report.pages.len());

// Within 25 miles of Charlottesville, only programs offering intensive outpatient (OIT).
let mut near = Query::near_mi(38.03, -78.48, 25.0)?;
near.service_codes = vec!["OIT".into()];
client.fetch_all(&near, Path::new("raw/findtreatment-cville"), |_| {})?;

// SUD rehabilitation clinics (NPI-2 organisations) in Virginia.
let nppes = NppesClient::new(ClientConfig::nppes())?;
let query = NppesQuery::new("261QR0405X").in_state("VA");
let report = nppes.fetch_all(&query, Path::new("raw/nppes-va"), |_| {})?;
if report.truncated {
    eprintln!("the registry stops at 1,200 results: narrow the query by city or postal code");
}
# Ok(())
# }
```

Tests run these clients against a local HTTP server on 127.0.0.1 that serves recorded real
answers of both services (`tests/support/`); no test touches the internet.
*/
#![warn(missing_docs)]

mod config;
mod error;
pub mod findtreatment;
mod http;
pub mod nppes;
pub mod pages;
mod time;

pub use config::{ClientConfig, FINDTREATMENT_BASE_URL, NPPES_BASE_URL, USER_AGENT};
pub use error::{ApiError, Error, Result};
pub use findtreatment::{Area, FindTreatmentClient, Query, ServiceType};
pub use nppes::{EnumerationType, NppesClient, NppesQuery};
pub use pages::{FetchReport, PageProgress};
pub use time::today_utc;
