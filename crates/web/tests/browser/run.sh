#!/usr/bin/env bash
# Accessibility and privacy checks of the IOP Finder pages in headless Chromium (axe-core):
# see axe.mjs for what is checked.
#
#   crates/web/tests/browser/run.sh [--dev] [BASE_URL]
#
# With BASE_URL, checks that running server. Otherwise starts one on a free local port and
# stops it afterwards: `iop serve` over the shipped data/ (the index is built into a temporary
# directory first, which takes a while), or with --dev the web crate's dev_server example over
# the web tests' hand-written corpus (quick). Needs Node.js 20+ and Chromium
# (`apt-get install -y chromium`, at /usr/bin/chromium or $CHROMIUM).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
dev=0
base=""
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    http://*|https://*) base="$arg" ;;
    *) echo "usage: $0 [--dev] [BASE_URL]" >&2; exit 2 ;;
  esac
done

chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  echo "Chromium not found at $chromium_bin: apt-get install -y chromium, or set CHROMIUM" >&2
  exit 1
fi

cd "$here"
if [ ! -d node_modules/axe-core ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi

if [ -n "$base" ]; then
  exec node axe.mjs "$base"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
if [ "$dev" = 1 ]; then
  cargo build -q -p iop-web --example dev_server
  "$root/target/debug/examples/dev_server" "$addr" >"$work/server.log" 2>&1 &
  server_pid=$!
  near=22902
else
  cargo build -q --bin iop
  "$root/target/debug/iop" serve --index "$work/index" --addr "$addr" >"$work/server.log" 2>&1 &
  server_pid=$!
  near="${IOP_AXE_NEAR:-22902}"
fi

# Wait for the server (building the index from the shipped data can take minutes).
for _ in $(seq 1 600); do
  if curl -fsS "http://$addr/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited:" >&2; cat "$work/server.log" >&2; exit 1
  fi
  sleep 1
done
curl -fsS "http://$addr/healthz" >/dev/null || { echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

cd "$here"
IOP_AXE_NEAR="$near" node axe.mjs "http://$addr"
