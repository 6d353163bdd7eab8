//! A development server for looking at the pages: builds an index in a temporary directory and
//! serves `app()` on 127.0.0.1.
//!
//! ```text
//! cargo run -p iop-web --example dev_server -- [LISTINGS.jsonl] [ADDR]
//! ```
//!
//! With a JSON Lines file (the listing shape `iop ingest` writes) it indexes those listings;
//! without one, the hand-written corpus of the web tests (around Charlottesville, VA). `ADDR`
//! defaults to `127.0.0.1:8099`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::BufRead;

use iop_core::Listing;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    let (file, addr) = match first {
        Some(a) if a.ends_with(".jsonl") || a.ends_with(".json") => (Some(a), args.next()),
        other => (None, other),
    };
    let addr = addr.unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    let listings: Vec<Listing> = match &file {
        Some(path) => {
            let f = std::io::BufReader::new(std::fs::File::open(path)?);
            let mut out = Vec::new();
            for (i, line) in f.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                out.push(
                    serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", i + 1))?,
                );
            }
            out
        }
        None => support::listings(),
    };
    eprintln!("indexing {} listings", listings.len());
    let fixture = support::build_fixture(listings);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("serving on http://{addr}/");
    axum::serve(listener, fixture.app()).await?;
    Ok(())
}
