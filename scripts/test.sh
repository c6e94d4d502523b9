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
# Schemathesis, from PyPI, for the API-description test (tests/api/schema.rs).
if [ ! -x .tools/venv/bin/schemathesis ]; then
  printf '==> installing schemathesis in .tools/venv\n' >&2
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
printf '==> fuzz smoke runs (cargo fuzz, 10 s a target; docs/robustness.md has the long runs)\n' >&2
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
# Without a sanitizer: the toolchain is stable (sanitizers need nightly); panics, aborts,
# overflows in debug assertions and timeouts are still caught.
fuzz_log=$(mktemp)
(cd fuzz && for target in $(cargo fuzz list); do
  if ! cargo fuzz run --sanitizer none "$target" -- -max_total_time=10 -seed=1 >"$fuzz_log" 2>&1; then
    tail -40 "$fuzz_log" >&2
    printf 'fuzz target %s failed: the input is in fuzz/artifacts/%s\n' "$target" "$target" >&2
    exit 1
  fi
  printf '%s: %s\n' "$target" "$(grep -E '^Done' "$fuzz_log" | tail -1)"
done)
rm -f "$fuzz_log"
printf '==> cargo test\n' >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --all-targets 2>&1 | tee "$log"
# One closing line for the whole run: every Rust test binary's results added up.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\nall Rust tests: %d passed, %d failed\n", p, f }' "$log"
