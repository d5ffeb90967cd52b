#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy, a type check of the server for Windows,
# `cargo test` (the Prometheus and real-keyring tests required), the GTK app's tests in a real
# window under Xvfb, and the dashboard's browser tests in Chromium. Installs what they need with
# apt-get when missing (GTK headers, Xvfb, Chromium, Prometheus, D-Bus and GNOME Keyring,
# Node.js; Debian's Rust, MinGW and NASM for the Windows check), as root or through sudo. Ends
# with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
# prometheus ships promtool and the server the /metrics tests scrape with; dbus and gnome-keyring
# the private session bus and Secret Service the keyring tests start for themselves; lintian,
# desktop-file-utils and appstream check the Debian packages (scripts/package.sh --check).
# rustc-web, cargo-web, rust-web-src, MinGW and NASM: the Windows type check
# (scripts/check-platforms.sh), installed here so it never runs apt beside the package check.
for pkg in libgtk-4-dev libadwaita-1-dev xvfb xauth chromium prometheus dbus gnome-keyring lintian desktop-file-utils appstream \
  rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 nasm; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
# parity: the node_exporter the /metrics oracle test scrapes beside the server (DESIGN 6.2).
dpkg -s prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y "${missing[@]}"
fi

# Debug builds without debug info or incremental caches. With full debug info each of the ~75
# test binaries weighed ~170 MB, most of it debug info, and target/ reached 20.8 GB, enough to
# fill a CI machine's disk (stop 29 failed with "No space left on device"); with line tables
# only, 8.4 GB; without, 3.8 GB. A failing assertion still names its file and line (that comes
# from the panic, not from debug info); a backtrace names functions only. Set either variable to
# override.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Test-only code never ships: the `testing` features (psmonitor_server::testing, an account with
# a fixed secret; psmonitor_tls::testing; psmonitor_keyring::testing) are enabled by
# dev-dependencies alone, so the crate graph of the programs (`cargo build`, the release
# binary) has none of them.
testing_re='^psmonitor-[a-z-]+ v[^ ]+ \([^)]*\) ([^ ]+,)?testing(,| |$)'
if cargo tree --workspace -e normal,build -f '{p} {f}' --prefix none | grep -E "$testing_re"; then
  echo "test-all: a program's crate graph enables a testing feature (above)" >&2
  exit 1
fi
# The async runtime is the smol family (async-io, async-net, futures-lite); async-std stays out
# (`cargo tree -i` fails for a package that is not in the graph).
if cargo tree --workspace -i async-std >/dev/null 2>&1; then
  echo "test-all: async-std is in the crate graph: cargo tree --workspace -i async-std" >&2
  exit 1
fi
# psmonitor-core packages on its own: nothing it compiles (the dashboard's files included) lives
# outside its directory.
cargo package -p psmonitor-core --no-verify --allow-dirty --quiet
# The linker wrapper that puts the release server's hot code first (scripts/hot-link.sh, issue
# 23): a small C program linked through it with rustc's lld, its symbol order checked (a second).
scripts/test-hot-link.sh
log=$(mktemp)
platform_log=$(mktemp)
platform_pid=""
cleanup() {
  if [ -n "$platform_pid" ]; then kill -- "-$platform_pid" 2>/dev/null || true; fi
  rm -f "$log" "$platform_log"
}
trap cleanup EXIT
# The server builds for Windows too (a type check with Debian's Rust and its std source). It
# costs about 290 s of CPU and waits on nothing, while the tests below mostly wait (on sockets,
# timers, a browser): so it runs beside them, in its own process group, at the lowest CPU
# priority (nice 19: the tests' processes get the cores whenever they want them), and is waited
# for at the end.
setsid nice -n 19 scripts/check-platforms.sh windows >"$platform_log" 2>&1 &
platform_pid=$!
# The Prometheus and real-keyring tests skip themselves on a machine without prometheus or
# gnome-keyring; here they are installed above, and a missing tool must fail them.
# parity: the node_exporter oracle test (adapters/server/tests/node_exporter_oracle.rs) must
# run, not skip, here.
export PSMONITOR_REQUIRE_NODE_EXPORTER=1
PSMONITOR_REQUIRE_PROMETHEUS=1 PSMONITOR_REQUIRE_KEYRING=1 cargo test 2>&1 | tee "$log"
# The soak script's own smoke: 35 s, small, on the debug binaries `cargo test` just built. The
# one-hour soak itself (scripts/soak.sh with its defaults) is too long for CI.
scripts/soak.sh --duration 30 --subscribers 20 --reconnect 5 --reconnect-every 10 \
  --sample-every 5 --bins "${CARGO_TARGET_DIR:-target}/debug"
# GTK runs on one thread: the UI scenarios are one harness = false binary that inits GTK once.
xvfb-run -a cargo test -p psmonitor-gtk 2>&1 | tee -a "$log"
# The web dashboard in Chromium, in its own step: a missing browser fails loudly.
(cd web/tests && npm ci --no-audit --no-fund)
REQUIRE_REFRESH=1 scripts/browser-tests.sh
# The Debian packages (scripts/package.sh, cargo-deb, installed with cargo when missing): built
# with the quicker CI profile (no LTO), linted (lintian errors, desktop-file-validate,
# appstreamcli), then the server package is installed with dpkg, its /usr/bin/psmonitor runs
# --version and serve on a temp data dir (a free port on 127.0.0.1, answering get system), and it
# is removed with dpkg -r. It needs root or sudo for dpkg.
scripts/package.sh --fast --check
if ! wait "$platform_pid"; then
  cat "$platform_log" >&2
  echo "test-all: the Windows type check failed (above): scripts/check-platforms.sh windows" >&2
  exit 1
fi
platform_pid=""
tail -n 1 "$platform_log"
# One closing line for the whole run (the last runner's own line is often a doc-test with none).
awk '/^test result: /{p+=$4; f+=$6} END {printf "ci: %d passed, %d failed\n", p, f}' "$log"
