//! The one request loop both clients use: polite pacing, retries with exponential backoff and
//! jitter, `Retry-After`, and the check that turns a body into a page.
//!
//! The clients differ only in what a page looks like and how paging works; they describe that
//! through [`Pager`], and everything about talking to a server lives here.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;

use crate::config::ClientConfig;
use crate::error::{ApiError, Error, Result};
use crate::pages::{FetchReport, PageProgress};

/// What one page says about the result as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PageFacts {
    /// Records on this page.
    pub rows: usize,
    /// Pages in the whole result, when the API says (FindTreatment's `totalPages`).
    pub total_pages: Option<u32>,
    /// Records in the whole result, when the API says (FindTreatment's `recordCount`).
    pub record_count: Option<u64>,
}

/// Why a body is not a usable page.
#[derive(Debug)]
pub(crate) enum BodyProblem {
    /// Not the shape the API sends: worth another try.
    Malformed(String),
    /// The API's own refusal of the query: asking again gets the same answer.
    Api(Vec<ApiError>),
}

/// What comes after a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Fetch the next page.
    More,
    /// That was the last page.
    Done,
    /// The API will not page further although there may be more results.
    Truncated,
}

/// How one API pages its results and what its pages look like.
pub(crate) trait Pager {
    /// Short source name, recorded in the manifest (`findtreatment`, `nppes`).
    fn source(&self) -> &'static str;
    /// The endpoint URL, without query string.
    fn endpoint(&self) -> &str;
    /// The parameters that do not change from page to page (the query proper).
    fn query_params(&self) -> Vec<(&'static str, String)>;
    /// The parameters that select page `page` (1-based).
    fn page_params(&self, page: u32) -> Vec<(&'static str, String)>;
    /// Checks that `body` is a page of this API and reads its facts.
    fn inspect(&self, body: &Value) -> std::result::Result<PageFacts, BodyProblem>;
    /// What follows page `page`, given its facts and those of page 1.
    fn after(&self, page: u32, facts: &PageFacts, first: &PageFacts) -> Next;
}

/// A blocking HTTP client with the politeness and retry rules of [`ClientConfig`].
#[derive(Debug)]
pub(crate) struct Http {
    client: Client,
    config: ClientConfig,
    origin: String,
    /// When the last request started, for [`ClientConfig::min_interval`].
    last_start: Mutex<Option<Instant>>,
    /// Seed of the jitter sequence.
    seed: u64,
}

/// What both clients are made of: the request loop and their endpoint's URL, with the two
/// ways of reading a query's pages. The clients differ only in their query and their [`Pager`];
/// fetching one page or every page is written once, here, so that the two cannot drift apart.
#[derive(Debug)]
pub(crate) struct Endpoint {
    http: Http,
    url: String,
}

impl Endpoint {
    /// The endpoint `path` under `config.base_url` (`""`: the base URL itself).
    pub(crate) fn new(config: ClientConfig, path: &str) -> Result<Endpoint> {
        let http = Http::new(config)?;
        let url = http.url(path);
        Ok(Endpoint { http, url })
    }

    /// The endpoint URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The configuration in use.
    pub(crate) fn config(&self) -> &ClientConfig {
        self.http.config()
    }

    /// Fetches page `page` (1-based; 0 is read as 1) with the usual retries and returns it
    /// parsed; nothing is written.
    pub(crate) fn fetch_page(&self, pager: &dyn Pager, page: u32) -> Result<Value> {
        let mut requests = 0;
        let (body, _) = self.http.get_page(pager, page.max(1), &mut |_| {}, &mut requests)?;
        Ok(serde_json::from_str(&body).expect("get_page returns bodies that parse"))
    }

    /// Fetches every page into `out_dir`, resuming what is there (see [`crate::pages`]).
    pub(crate) fn fetch_all(
        &self,
        pager: &dyn Pager,
        out_dir: &Path,
        progress: &mut dyn FnMut(PageProgress),
    ) -> Result<FetchReport> {
        crate::pages::fetch_all(&self.http, pager, out_dir, progress)
    }
}

/// Why one attempt failed, before deciding whether to try again.
#[derive(Debug)]
enum Failure {
    Connect(String),
    Timeout,
    Transport(String),
    Status { status: u16, detail: String },
    Malformed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(reason) => write!(f, "cannot connect: {reason}"),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Transport(reason) => f.write_str(reason),
            Failure::Status { status, .. } => write!(f, "HTTP {status}"),
            Failure::Malformed(reason) => write!(f, "malformed page: {reason}"),
        }
    }
}

impl Http {
    pub(crate) fn new(config: ClientConfig) -> Result<Http> {
        let bad = |reason: String| Error::Client { base_url: config.base_url.clone(), reason };
        let url = reqwest::Url::parse(&config.base_url).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad("the base URL must be an http or https URL with a host".into()));
        }
        if url.query().is_some() {
            return Err(bad("the base URL must not have a query string".into()));
        }
        let origin = url.origin().ascii_serialization();
        let client = Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| bad(deepest_cause(&e)))?;
        // A deterministic jitter source (splitmix64) is enough to keep several processes from
        // retrying in lockstep; mixing in the process id makes two concurrent runs differ.
        let seed = splitmix64(u64::from(std::process::id()) ^ 0x1f0f_1e7d_c0de_5eed);
        Ok(Http { client, config, origin, last_start: Mutex::new(None), seed })
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `base_url` joined with `path` (`https://findtreatment.gov` + `/locator/...`).
    pub(crate) fn url(&self, path: &str) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        if path.is_empty() {
            format!("{base}/")
        } else {
            format!("{base}/{}", path.trim_start_matches('/'))
        }
    }

    /// Fetches page `page`, retrying what is worth retrying. Returns the raw body and its facts.
    /// `requests` counts every request made.
    pub(crate) fn get_page(
        &self,
        pager: &dyn Pager,
        page: u32,
        progress: &mut dyn FnMut(PageProgress),
        requests: &mut u32,
    ) -> Result<(String, PageFacts)> {
        let url = pager.endpoint();
        let mut params = pager.query_params();
        params.extend(pager.page_params(page));
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.pace();
            *requests += 1;
            tracing::debug!(url, page, attempt, "request");
            let (failure, retry_after) = match self.client.get(url).query(&params).send() {
                Err(e) => (classify(&e), None),
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let body = match response.text() {
                        Ok(body) => body,
                        Err(e) => {
                            let failure = if e.is_timeout() {
                                Failure::Timeout
                            } else {
                                Failure::Transport(format!(
                                    "the answer broke off: {}",
                                    deepest_cause(&e)
                                ))
                            };
                            self.retry_or_fail(failure, None, url, page, attempt, progress)?;
                            continue;
                        }
                    };
                    if status.is_success() {
                        match serde_json::from_str::<Value>(&body) {
                            Err(e) => (Failure::Malformed(not_json(&e, &body)), None),
                            Ok(value) => match pager.inspect(&value) {
                                Ok(facts) => return Ok((body, facts)),
                                Err(BodyProblem::Malformed(reason)) => {
                                    (Failure::Malformed(reason), None)
                                }
                                Err(BodyProblem::Api(errors)) => {
                                    return Err(Error::Api { url: url.to_owned(), page, errors });
                                }
                            },
                        }
                    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                        let detail = detail(&body);
                        (Failure::Status { status: status.as_u16(), detail }, retry_after)
                    } else {
                        // Other 4xx: the request itself is wrong, asking again will not help.
                        // The API may still say why in its own error shape.
                        if let Ok(value) = serde_json::from_str::<Value>(&body)
                            && let Err(BodyProblem::Api(errors)) = pager.inspect(&value)
                        {
                            return Err(Error::Api { url: url.to_owned(), page, errors });
                        }
                        return Err(Error::Status {
                            url: url.to_owned(),
                            page,
                            status: status.as_u16(),
                            attempts: attempt,
                            detail: detail(&body),
                        });
                    }
                }
            };
            self.retry_or_fail(failure, retry_after, url, page, attempt, progress)?;
        }
    }

    /// After failed attempt `attempt`: waits and returns `Ok` when another attempt is due, or
    /// returns the error that ends the page.
    fn retry_or_fail(
        &self,
        failure: Failure,
        retry_after: Option<Duration>,
        url: &str,
        page: u32,
        attempt: u32,
        progress: &mut dyn FnMut(PageProgress),
    ) -> Result<()> {
        if attempt > self.config.max_retries {
            return Err(self.give_up(failure, url, page, attempt));
        }
        let wait = match retry_after {
            Some(wait) if wait > self.config.max_retry_after => {
                return Err(Error::RateLimited {
                    url: url.to_owned(),
                    page,
                    wait_secs: wait.as_secs(),
                    max_secs: self.config.max_retry_after.as_secs(),
                });
            }
            Some(wait) => wait,
            None => self.backoff(page, attempt),
        };
        tracing::warn!(url, page, attempt, wait_ms = wait.as_millis(), "{failure}; retrying");
        progress(PageProgress::Retrying { page, attempt, wait, reason: failure.to_string() });
        std::thread::sleep(wait);
        Ok(())
    }

    fn give_up(&self, failure: Failure, url: &str, page: u32, attempts: u32) -> Error {
        let url = url.to_owned();
        match failure {
            Failure::Connect(reason) => Error::Unreachable { origin: self.origin.clone(), reason },
            Failure::Timeout => Error::TimedOut { url, page, attempts },
            Failure::Transport(reason) => Error::Transport { url, page, attempts, reason },
            Failure::Status { status, detail } => {
                Error::Status { url, page, status, attempts, detail }
            }
            Failure::Malformed(reason) => Error::Malformed { url, page, attempts, reason },
        }
    }

    /// The wait before retry number `attempt` (1-based): `backoff_base * 2^(attempt-1)` plus up
    /// to half of that again as jitter, never above `backoff_max`.
    pub(crate) fn backoff(&self, page: u32, attempt: u32) -> Duration {
        let exp = self
            .config
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.config.backoff_max);
        let r = splitmix64(self.seed ^ (u64::from(page) << 32) ^ u64::from(attempt));
        // 53 random bits -> a fraction in [0, 1).
        let frac = (r >> 11) as f64 / (1u64 << 53) as f64;
        exp.saturating_add(exp.mul_f64(frac / 2.0)).min(self.config.backoff_max)
    }

    /// Sleeps until `min_interval` has passed since the previous request started.
    fn pace(&self) {
        // A poisoned lock only means another thread panicked mid-request; the timestamp in it
        // is still a valid instant.
        let mut last = self.last_start.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(prev) = *last {
            let since = prev.elapsed();
            if since < self.config.min_interval {
                std::thread::sleep(self.config.min_interval - since);
            }
        }
        *last = Some(Instant::now());
    }
}

/// Sorts a transport error into what the retry loop needs to know.
fn classify(e: &reqwest::Error) -> Failure {
    if e.is_connect() {
        // A connect timeout is still "cannot connect" for the user.
        Failure::Connect(deepest_cause(e))
    } else if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Transport(deepest_cause(e))
    }
}

/// The innermost error message: reqwest's own top level repeats the URL with its query string
/// (which may hold a location) and says little ("error sending request").
fn deepest_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `Retry-After` as delay-seconds or an HTTP date (a date in the past means "now").
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Why a body that should be JSON is not, with its first characters to recognise it by.
fn not_json(e: &serde_json::Error, body: &str) -> String {
    let trimmed = body.trim_start();
    if trimmed.is_empty() {
        return "the body is empty".to_owned();
    }
    let start: String = trimmed.chars().take(60).collect();
    if e.is_eof() {
        format!("the JSON is cut short ({e})")
    } else if trimmed.starts_with('<') {
        format!("an HTML page instead of JSON, starting {start:?}")
    } else {
        format!("not JSON ({e}), starting {start:?}")
    }
}

/// `": "` plus the start of an error body, for [`Error::Status`].
fn detail(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('<') {
        ": an HTML error page".to_owned()
    } else {
        let start: String = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        let start: String = start.chars().take(200).collect();
        format!(": {start}")
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(base: Duration, max: Duration) -> Http {
        let config =
            ClientConfig { backoff_base: base, backoff_max: max, ..ClientConfig::default() };
        Http::new(config).expect("client")
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_a_ceiling() {
        let h = http(Duration::from_millis(100), Duration::from_secs(60));
        for attempt in 1..=5u32 {
            let exp = Duration::from_millis(100 * (1 << (attempt - 1)));
            let wait = h.backoff(7, attempt);
            assert!(wait >= exp && wait <= exp.mul_f64(1.5), "attempt {attempt}: {wait:?}");
            // Deterministic: the same page and attempt give the same wait.
            assert_eq!(wait, h.backoff(7, attempt));
        }
        // Jitter differs between pages (not every page retries in lockstep).
        let waits: std::collections::BTreeSet<Duration> =
            (1..20).map(|p| h.backoff(p, 1)).collect();
        assert!(waits.len() > 1);
        let capped = http(Duration::from_secs(1), Duration::from_secs(5));
        assert_eq!(capped.backoff(1, 10), Duration::from_secs(5));
        assert_eq!(capped.backoff(1, 1000), Duration::from_secs(5), "no overflow");
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        // A date in the past: retry now.
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        let future = parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT").expect("date");
        assert!(future > Duration::from_secs(365 * 86_400));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-5"), None);
    }

    #[test]
    fn base_urls_are_checked() {
        for bad in ["findtreatment.gov", "ftp://findtreatment.gov", "https://x.gov/?a=1", ""] {
            let config = ClientConfig::default().with_base_url(bad);
            assert!(matches!(Http::new(config), Err(Error::Client { .. })), "{bad}");
        }
        let h = Http::new(ClientConfig::nppes()).expect("client");
        assert_eq!(h.url(""), "https://npiregistry.cms.hhs.gov/api/");
        assert_eq!(h.origin, "https://npiregistry.cms.hhs.gov");
        let h = Http::new(ClientConfig::default()).expect("client");
        assert_eq!(
            h.url("/locator/exportsAsJson/v2"),
            "https://findtreatment.gov/locator/exportsAsJson/v2"
        );
    }

    #[test]
    fn bodies_that_are_not_json_are_described() {
        let err = |body: &str| serde_json::from_str::<Value>(body).expect_err("not JSON");
        let html = "<!DOCTYPE html><html><body>Service Unavailable</body></html>";
        assert!(not_json(&err(html), html).starts_with("an HTML page instead of JSON"));
        let cut = r#"{"page": 1, "rows": [{"name1": "Region"#;
        assert!(not_json(&err(cut), cut).starts_with("the JSON is cut short"));
        assert_eq!(not_json(&err(""), ""), "the body is empty");
        assert_eq!(detail("  "), "");
        assert_eq!(detail("<html>oops</html>"), ": an HTML error page");
        assert_eq!(detail("Bad\n  request"), ": Bad request");
    }
}
