#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: formatting, lints, the console's own
# tests, and every Rust test (unit, integration against a real PostGIS, browser tests in a real
# headless Chromium). CI runs exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
printf '==> cargo fmt --check\n' >&2
cargo fmt --all --check
printf '==> cargo clippy\n' >&2
cargo clippy --workspace --all-targets --quiet -- -D warnings
printf '==> console tests (node --test)\n' >&2
(cd web && npm test --silent)
printf '==> cargo test\n' >&2
cargo test --workspace
