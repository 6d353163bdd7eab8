//! The real clients against a local HTTP server serving recorded real answers.
//!
//! One test binary (faster to link); one module per client.

#[path = "support/mod.rs"]
mod support;

#[path = "clients/findtreatment.rs"]
mod findtreatment;
#[path = "clients/nppes.rs"]
mod nppes;

use std::time::Duration;

use iop_fetch::ClientConfig;

/// Client settings for tests: the local server, no pause between requests, tiny backoff.
pub fn test_config(base_url: &str) -> ClientConfig {
    ClientConfig {
        base_url: base_url.to_owned(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        max_retries: 2,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
        min_interval: Duration::ZERO,
        ..ClientConfig::default()
    }
}
