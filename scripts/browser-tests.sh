#!/usr/bin/env bash
# Browser tests of the web dashboard in Debian's Chromium (web/tests/, node's test runner with
# playwright-core and axe-core). Builds the server, checks that it serves the page from a fixture
# host, then runs every web/tests/*.test.mjs; each case starts its own server (fixture host,
# PSMONITOR_PASSWORD, temporary --data-dir, --port 0, the port read from its `listening on` line).
# Screenshots go to target/screenshots/. Fails loudly when Chromium or node is missing.
#
# usage: scripts/browser-tests.sh [test file ...]    (default: all of web/tests/*.test.mjs)
#   REQUIRE_REFRESH=1  fail, instead of skip, the session case when POST /refresh is missing
#   BROWSER_TEST_CONCURRENCY=N  test files run at once (default 3: the cases mostly wait on the
#     server's 1 s frames, so three at a time take half as long as one, 54 s against 116 s)
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "browser-tests: Chromium not found at $CHROMIUM: apt-get install -y chromium" >&2
    exit 1
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "browser-tests: node and npm are needed: apt-get install -y nodejs npm" >&2
    exit 1
fi
"$CHROMIUM" --version

if [ ! -d web/tests/node_modules/playwright-core ] || [ ! -d web/tests/node_modules/axe-core ]; then
    (cd web/tests && npm ci --no-audit --no-fund)
fi

cargo build -p psmonitor-server --bin psmonitor
BIN=$PWD/target/debug/psmonitor

# Preflight: the binary serves the page from a fixture host.
data=$(mktemp -d)
log=$(mktemp)
PSMONITOR_PASSWORD=browser-test-preflight "$BIN" serve --fixture fixtures/hosts/desktop-intel-wifi.json \
    --data-dir "$data" --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
url=""
for _ in $(seq 1 300); do
    url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "browser-tests: the server did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { cat "$log" >&2; echo "browser-tests: no 'listening on' line" >&2; exit 1; }
node -e '
fetch(process.argv[1] + "/").then(async (r) => {
  const type = r.headers.get("content-type") ?? "";
  if (r.status !== 200 || !type.startsWith("text/html") || !(await r.text()).includes("/assets/app.js")) {
    console.error(`browser-tests: GET / answered ${r.status} ${type}`);
    process.exit(1);
  }
}).catch((e) => { console.error(`browser-tests: GET / failed: ${e}`); process.exit(1); });
' "$url"
kill "$pid"
wait "$pid" 2>/dev/null || true
echo "browser-tests: the server at $url serves the dashboard"

mkdir -p target/screenshots
# Every browser profile and server data dir the tests make goes under one directory, removed at
# the end whatever happens.
scratch=$(mktemp -d -t psmonitor-browser-tests.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd web/tests
if [ "$#" -eq 0 ]; then
    set -- ./*.test.mjs
else
    set -- "${@/#web\/tests\//./}"
fi
TMPDIR="$scratch" PSMONITOR_BIN="$BIN" PSMONITOR_REQUIRE_REFRESH="${REQUIRE_REFRESH:-0}" CHROMIUM="$CHROMIUM" \
    node --test --test-concurrency="${BROWSER_TEST_CONCURRENCY:-3}" --test-reporter=spec "$@"
