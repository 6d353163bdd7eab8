//! Running the server: bind, serve with graceful shutdown, reload the index while serving.
//!
//! A background task asks [`LiveIndex::refresh`] every [`RELOAD_EVERY`] whether `iop index` has
//! made a new generation, and swaps it in. Requests in flight keep the `Arc<Index>` they started
//! with, so a swap never fails them; the next request sees the new generation.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iop_index::LiveIndex;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::AppState;
use crate::metrics::Metrics;

/// How often the index directory is checked for a new generation.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// Where to listen and what to serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// Address to bind (`127.0.0.1:8080`).
    pub addr: SocketAddr,
    /// The index directory.
    pub index_dir: PathBuf,
    /// The shipped data directory (geocoder tables).
    pub data_dir: PathBuf,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound (in use, not ours, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The index could not be opened.
    #[error("cannot open the index in {}: {source}", dir.display())]
    Index {
        /// The index directory.
        dir: PathBuf,
        /// Why.
        source: iop_index::Error,
    },
    /// The geocoder tables could not be loaded.
    #[error("cannot load the geocoder from {}: {message}", dir.display())]
    Geocoder {
        /// The data directory.
        dir: PathBuf,
        /// Why.
        message: String,
    },
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Binds `config.addr` and serves `state` until Ctrl-C or SIGTERM, then finishes the requests
/// in flight and returns.
pub async fn serve(config: ServeConfig, state: AppState) -> Result<(), ServeError> {
    tracing::info!(
        index = %config.index_dir.display(),
        data = %config.data_dir.display(),
        listings = state.index.current().stats().listings,
        "serving"
    );
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind { addr: config.addr, source })?;
    serve_on(listener, state, shutdown_signal()).await
}

/// Serves on a bound listener until `shutdown` completes (tests and the load script use port 0).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening on http://{addr}");
    let reloader =
        spawn_reloader(Arc::clone(&state.index), Arc::clone(&state.metrics), RELOAD_EVERY);
    let result = axum::serve(listener, crate::app(state)).with_graceful_shutdown(shutdown).await;
    reloader.abort();
    tracing::info!("server stopped");
    Ok(result?)
}

/// Checks for a new index generation every `every`, swapping it in. A failed check is logged
/// (once per distinct error, not every tick) and the current generation keeps serving.
pub fn spawn_reloader(
    index: Arc<LiveIndex>,
    metrics: Arc<Metrics>,
    every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate; the index was just opened
        let mut last_error: Option<String> = None;
        loop {
            tick.tick().await;
            let idx = Arc::clone(&index);
            match tokio::task::spawn_blocking(move || idx.refresh()).await {
                Ok(Ok(swapped)) => {
                    last_error = None;
                    if swapped {
                        metrics.index_reloaded();
                        let listings = index.current().stats().listings;
                        tracing::info!(listings, "new index generation is now serving");
                    }
                }
                Ok(Err(e)) => {
                    let e = e.to_string();
                    if last_error.as_deref() != Some(&e) {
                        tracing::warn!(error = %e, "index reload failed; the current generation keeps serving");
                        last_error = Some(e);
                    }
                }
                Err(e) => tracing::error!(error = %e, "index reload task failed"),
            }
        }
    })
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
