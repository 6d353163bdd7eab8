# Task runner (https://github.com/casey/just). `just ci` runs what CI runs, plus fmt and clippy.

default: test

# Format the workspace.
fmt:
    cargo fmt --all

# Clippy on everything, warnings are errors.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Every test (the README's test command). Needs Chromium and Node for the accessibility test:
# `.ci/run` installs them.
test:
    cargo test --workspace

# Review insta snapshot changes.
snap:
    cargo insta review

# What CI runs, plus formatting, lints and docs.
ci:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
    .ci/run

# Ingest the shipped data to JSON Lines.
ingest out="target/listings.jsonl":
    cargo run --release -- ingest --out {{out}}

# Build the index from the shipped data.
index:
    cargo run --release -- index

# Serve the shipped data on http://127.0.0.1:8080.
serve:
    cargo run --release -- serve

# Benchmarks (criterion) and the HTTP load test.
bench:
    cargo bench --workspace
