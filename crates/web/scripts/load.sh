#!/usr/bin/env bash
# HTTP load test: the real `iop serve` over N synthetic listings (default 20000), wrk at 64
# connections for SECONDS per target (default 10) against /healthz, /api/v1/search and the HTML
# search page. Prints requests/s, p50 and p99 per target and the ratio search/healthz.
#
#   crates/web/scripts/load.sh [LISTINGS] [SECONDS]
#
# Needs wrk (apt-get install wrk). Sends traffic to 127.0.0.1 only; bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if ! command -v wrk >/dev/null; then
  echo "load.sh: wrk is not installed (apt-get install wrk)" >&2
  exit 2
fi
cargo build --release --bin iop
exec cargo bench -p iop-web --bench load -- "${1:-20000}" "${2:-10}"
