#!/usr/bin/env bash
# Sets up everything, builds Sweep and runs it with the demo data set at http://127.0.0.1:8080
# (or --listen ADDRESS). Extra arguments go to `sweep demo`. Stop it with Ctrl-C.
# The demo keeps its database in ./demo-data (or SWEEP_DATA_DIR), apart from a real ./data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
printf '==> building sweep\n' >&2
cargo build --quiet --bin sweep
SWEEP_DATA_DIR="${SWEEP_DATA_DIR:-./demo-data}" exec ./target/debug/sweep demo "$@"
