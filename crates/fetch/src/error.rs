//! The error type of the crate: every variant says which server (and page) and what went wrong.

use std::fmt;
use std::path::PathBuf;

/// One entry of an API's own error answer, as the NPPES registry sends them:
/// `{"Errors":[{"field":"generic","number":"04","description":"No valid search criteria provided"}]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The query parameter at fault (`generic` when the whole query is).
    pub field: String,
    /// The API's error number (`"04"`).
    pub number: String,
    /// What the API says is wrong.
    pub description: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)?;
        if !self.number.is_empty() {
            write!(f, " (error {})", self.number)?;
        }
        Ok(())
    }
}

/// Why a fetch failed.
///
/// URLs in messages are endpoints without their query string: the query may hold a location.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be made (DNS, refused, no route), after every retry.
    #[error("cannot reach {origin}: {reason} (check the network, or use the shipped data)")]
    Unreachable {
        /// Scheme, host and port of the service.
        origin: String,
        /// The lowest-level cause (`Connection refused (os error 111)`).
        reason: String,
    },
    /// The server did not answer in time, after every retry.
    #[error("page {page} of {url}: no complete answer within the timeout ({attempts} attempts)")]
    TimedOut {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// Requests made for this page.
        attempts: u32,
    },
    /// The connection broke while the answer was being read, after every retry.
    #[error("page {page} of {url}: {reason} ({attempts} attempts)")]
    Transport {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// Requests made for this page.
        attempts: u32,
        /// The lowest-level cause.
        reason: String,
    },
    /// The server answered with an error status: a 4xx at once, a 429 or 5xx after every retry.
    #[error("page {page} of {url}: the server answered {status} ({attempts} attempts){detail}")]
    Status {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// HTTP status code.
        status: u16,
        /// Requests made for this page.
        attempts: u32,
        /// `": "` and the start of the body, when there is one.
        detail: String,
    },
    /// The server asked (with `Retry-After`) for a longer pause than the client is set to wait.
    #[error(
        "page {page} of {url}: rate limited; the server asks to wait {wait_secs} s, longer than \
         the {max_secs} s this client waits (try again later)"
    )]
    RateLimited {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// What the server asked for, in seconds.
        wait_secs: u64,
        /// [`crate::ClientConfig::max_retry_after`], in seconds.
        max_secs: u64,
    },
    /// The answer is not what the API sends (not JSON, or JSON without its rows), after every
    /// retry. Pages saved before it are kept.
    #[error("page {page} of {url} is malformed ({attempts} attempts): {reason}")]
    Malformed {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// Requests made for this page.
        attempts: u32,
        /// What is wrong with it.
        reason: String,
    },
    /// The API refused the query and said why (NPPES `{"Errors":[...]}`).
    #[error("{url} refused the query: {}", list(.errors))]
    Api {
        /// The endpoint.
        url: String,
        /// The 1-based page.
        page: u32,
        /// Each error the API listed.
        errors: Vec<ApiError>,
    },
    /// The query cannot be sent as given (unknown state, radius out of range, ...).
    #[error("bad query: {0}")]
    Query(String),
    /// A page or the manifest could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The output folder holds the pages of another query; resuming into it would mix them.
    #[error(
        "{} already holds the pages of another query ({found}); use another output folder or \
         empty this one",
        dir.display()
    )]
    OtherQuery {
        /// The output folder.
        dir: PathBuf,
        /// The other query, as its manifest records it.
        found: String,
    },
    /// The HTTP client could not be built (TLS backend, bad base URL, ...).
    #[error("cannot set up the HTTP client for {base_url}: {reason}")]
    Client {
        /// The configured base URL.
        base_url: String,
        /// What is wrong.
        reason: String,
    },
}

fn list(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "the API gave no reason".to_owned();
    }
    errors.iter().map(ApiError::to_string).collect::<Vec<_>>().join("; ")
}

/// Result alias for the crate.
pub type Result<T> = std::result::Result<T, Error>;
