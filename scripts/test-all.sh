#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy, `cargo test` (the Prometheus tests
# required), the GTK app's tests in a real window under Xvfb, and the dashboard's browser tests
# in Chromium. Installs what they need with apt-get when missing (GTK headers, Xvfb, Chromium,
# Prometheus, Node.js), as root or through sudo. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
# prometheus ships promtool and the server the /metrics tests scrape with.
for pkg in libgtk-4-dev xvfb xauth chromium prometheus; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y "${missing[@]}"
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The Prometheus tests skip themselves on a machine without prometheus; here it is installed
# above, and a missing tool must fail them.
PSMONITOR_REQUIRE_PROMETHEUS=1 cargo test 2>&1 | tee "$log"
# The soak script's own smoke: 35 s, small, on the debug binaries `cargo test` just built. The
# one-hour soak itself (scripts/soak.sh with its defaults) is too long for CI.
scripts/soak.sh --duration 30 --subscribers 20 --reconnect 5 --reconnect-every 10 \
  --sample-every 5 --bins "${CARGO_TARGET_DIR:-target}/debug"
# GTK runs on one thread: the UI scenarios are one harness = false binary that inits GTK once.
xvfb-run -a cargo test -p psmonitor-gtk 2>&1 | tee -a "$log"
# The web dashboard in Chromium, in its own step: a missing browser fails loudly.
(cd web/tests && npm ci --no-audit --no-fund)
REQUIRE_REFRESH=1 scripts/browser-tests.sh
# One closing line for the whole run (the last runner's own line is often a doc-test with none).
awk '/^test result: /{p+=$4; f+=$6} END {printf "ci: %d passed, %d failed\n", p, f}' "$log"
