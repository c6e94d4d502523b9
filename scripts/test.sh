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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets 2>&1 | tee "$log"
# One closing line for the whole run: every Rust test binary's results added up.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\nall Rust tests: %d passed, %d failed\n", p, f }' "$log"
