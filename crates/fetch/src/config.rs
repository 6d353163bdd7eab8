//! How a client talks to its server: where, how patiently, and how politely.

use std::time::Duration;

/// The FindTreatment.gov origin.
pub const FINDTREATMENT_BASE_URL: &str = "https://findtreatment.gov";

/// The NPPES NPI Registry API root (the query goes straight onto it: `.../api/?version=2.1&...`).
pub const NPPES_BASE_URL: &str = "https://npiregistry.cms.hhs.gov/api/";

/// The `User-Agent` every request carries, so the operators can see who is calling and why.
pub const USER_AGENT: &str =
    concat!("iop-finder/", env!("CARGO_PKG_VERSION"), " (+open-source directory)");

/// Settings shared by both clients.
///
/// [`ClientConfig::default`] is the FindTreatment.gov configuration; [`ClientConfig::nppes`]
/// is the same with the NPPES base URL. Tests point `base_url` at a local server and shrink the
/// delays.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Scheme, host and optional path prefix of the service (no query string).
    pub base_url: String,
    /// Limit for a whole request, body included.
    pub timeout: Duration,
    /// Limit for opening the connection.
    pub connect_timeout: Duration,
    /// How many times a failed request is tried again (so `max_retries + 1` attempts at most).
    pub max_retries: u32,
    /// Wait before the first retry; it doubles with each further retry (plus up to 50% jitter).
    pub backoff_base: Duration,
    /// Ceiling of the exponential backoff.
    pub backoff_max: Duration,
    /// The longest `Retry-After` this client honours. A server that asks for more gets no more
    /// requests: the fetch stops with [`crate::Error::RateLimited`] instead of hammering it early.
    pub max_retry_after: Duration,
    /// Minimum time between the starts of two requests (retries included): a polite rate limit.
    pub min_interval: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            base_url: FINDTREATMENT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_retries: 4,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
            min_interval: Duration::from_secs(1),
            user_agent: USER_AGENT.to_owned(),
        }
    }
}

impl ClientConfig {
    /// The defaults for FindTreatment.gov (same as [`ClientConfig::default`]).
    pub fn findtreatment() -> ClientConfig {
        ClientConfig::default()
    }

    /// The defaults for the NPPES NPI Registry.
    pub fn nppes() -> ClientConfig {
        ClientConfig { base_url: NPPES_BASE_URL.to_owned(), ..ClientConfig::default() }
    }

    /// The same settings against another server (a mirror, or a local test server).
    pub fn with_base_url(self, base_url: impl Into<String>) -> ClientConfig {
        ClientConfig { base_url: base_url.into(), ..self }
    }
}
