//! A small in-memory cache of search answers: the JSON body of `/api/v1/search` and the HTML
//! of a search page.
//!
//! Why: nearly all of a search's cost is the index (about half a millisecond at 20,000
//! listings, several at a million), and searches repeat. A helpline works the same few ZIP
//! codes with "IOP" all day; every visitor of a partner site's widget loads the same default
//! search. Serving those from memory costs microseconds.
//!
//! Correctness: an entry is keyed by everything the answer depends on (the raw query string
//! for JSON; path, language and normalised query for HTML) and belongs to the index
//! generation it was computed from. When a newer generation is served, the cache empties
//! itself, so an answer never outlives the data it came from.
//!
//! Privacy: a search is health information. Entries are kept in memory only, never written
//! or logged, for at most [`TTL`]; the cache is bounded in bytes ([`DEFAULT_BYTES`], set with
//! `iop serve --cache-mb`, 0 turns it off). Only successful answers are stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use iop_index::{Index, LiveIndex};
use lru::LruCache;

/// How long an answer may be served from memory. Short: long enough for a burst of the same
/// search, short enough that a search does not linger in the process.
pub const TTL: Duration = Duration::from_secs(600);

/// Default memory for cached answers (a JSON page of 20 listings is about 20 KB).
pub const DEFAULT_BYTES: usize = 64 * 1024 * 1024;

/// Upper bound on entries whatever their size, so the LRU's own bookkeeping stays small.
const MAX_ENTRIES: usize = 65_536;

/// What an entry holds; part of the key, so a JSON body is never served as a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `/api/v1/search`: the JSON body up to, not including, `took_ms`.
    Json,
    /// `/` and `/embed`: the whole HTML page.
    Html,
}

impl Kind {
    fn tag(self) -> char {
        match self {
            Kind::Json => 'j',
            Kind::Html => 'h',
        }
    }
}

struct Entry {
    body: Bytes,
    stored: Instant,
}

struct Inner {
    /// The generation the entries were computed from (a `Weak` keeps its address from being
    /// reused, so a pointer comparison is a sound identity test).
    generation: Weak<Index>,
    entries: LruCache<String, Entry>,
    bytes: usize,
}

/// The cache (see the module documentation). Cheap to share: one lock, held for a lookup.
pub struct ResponseCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("max_bytes", &self.max_bytes)
            .field("hits", &self.hits.load(Ordering::Relaxed))
            .field("misses", &self.misses.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Default for ResponseCache {
    fn default() -> Self {
        ResponseCache::new(DEFAULT_BYTES)
    }
}

impl ResponseCache {
    /// A cache holding at most `max_bytes` of answers; 0 stores nothing.
    pub fn new(max_bytes: usize) -> ResponseCache {
        ResponseCache {
            inner: Mutex::new(Inner {
                generation: Weak::new(),
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether the cache stores anything at all.
    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    fn key(kind: Kind, key: &str) -> String {
        let mut k = String::with_capacity(key.len() + 1);
        k.push(kind.tag());
        k.push_str(key);
        k
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock means a panic elsewhere mid-update; the worst case is a stale byte
        // count, so clear everything rather than fail requests.
        self.inner.lock().unwrap_or_else(|e| {
            let mut inner = e.into_inner();
            inner.entries.clear();
            inner.bytes = 0;
            inner
        })
    }

    /// The answer stored for `key`, computed from `generation`, if it is fresh.
    pub fn get(&self, generation: &Arc<Index>, kind: Kind, key: &str) -> Option<Bytes> {
        if !self.enabled() {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let k = Self::key(kind, key);
        let mut inner = self.lock();
        // Entries of another generation are never answers for this request. The cache only
        // moves to a new generation when an answer computed from the served one is stored.
        if inner.generation.as_ptr() != Arc::as_ptr(generation) {
            drop(inner);
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let found = match inner.entries.get(&k) {
            Some(e) if e.stored.elapsed() <= TTL => Some(e.body.clone()),
            Some(_) => {
                if let Some(old) = inner.entries.pop(&k) {
                    inner.bytes -= old.body.len() + k.len();
                }
                None
            }
            None => None,
        };
        drop(inner);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores the answer for `key`, computed from `generation`. Ignored unless `generation`
    /// is still the one `live` serves (a search that began before a swap must not bring back
    /// the old data), and when the answer alone would take a sixteenth of the budget.
    pub fn put(
        &self,
        live: &LiveIndex,
        generation: &Arc<Index>,
        kind: Kind,
        key: &str,
        body: Bytes,
    ) {
        let k = Self::key(kind, key);
        let (body_len, key_len) = (body.len(), k.len());
        if !self.enabled()
            || body_len + key_len > self.max_bytes / 16
            || !Arc::ptr_eq(generation, &live.current())
        {
            return;
        }
        let mut inner = self.lock();
        if inner.generation.as_ptr() != Arc::as_ptr(generation) {
            inner.generation = Arc::downgrade(generation);
            inner.entries.clear();
            inner.bytes = 0;
        }
        // Replacing keeps the stored key, so only the body's size changes.
        match inner.entries.put(k, Entry { body, stored: Instant::now() }) {
            Some(old) => inner.bytes = inner.bytes - old.body.len() + body_len,
            None => inner.bytes += body_len + key_len,
        }
        while inner.bytes > self.max_bytes || inner.entries.len() > MAX_ENTRIES {
            let Some((k, e)) = inner.entries.pop_lru() else { break };
            inner.bytes -= e.body.len() + k.len();
        }
    }

    /// Answers served from the cache and answers computed, since start.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}
