//! End-to-end tests: they run the real `iop` binary on the shipped data, over real HTTP on
//! 127.0.0.1. One test binary (ripgrep-style) so linking happens once.

mod util;

// `iop ingest` and `iop index` from the command line: summaries, exit codes, bad input.
mod cli;
// `iop serve` on a free port: search, listing pages, the API, hot reload.
mod serve;
