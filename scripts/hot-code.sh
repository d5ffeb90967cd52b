#!/usr/bin/env bash
# Writes .cargo/hot-code.txt, the functions the server runs, which scripts/hot-link.sh (the
# linker for this repository) places together at the front of the `psmonitor` binary's code so
# that the rest stays out of memory (issue 23; README "Binary size and resident memory").
#
# usage: scripts/hot-code.sh [--load DIR] [--bin FILE]
#   --load DIR  also run DIR/psmonitor-load with one subscriber (as scripts/bench-rss.sh does)
#   --bin FILE  profile this psmonitor instead of building one; it must keep its symbols and come
#               from the release profile (`cargo rustc --release ... -- -C strip=none`); nothing
#               is rebuilt afterwards then
#
# Builds the release binary as shipped but with its symbols kept (`cargo rustc -- -C strip=none`:
# the same profile, so the same symbol names as `cargo build --release`), runs it under callgrind
# (valgrind): `serve` with a fresh data dir and history on, 10 s idle, one `psmonitor watch`
# subscriber (and psmonitor-load's with --load) for 40 s, the dashboard page, /system and
# /metrics, then SIGTERM. Every function of the binary that ran is listed. Afterwards it
# rebuilds `psmonitor` so that the new list is linked in. Re-run it after a toolchain, dependency
# or profile change (symbol names carry per-build hashes; the linker falls back to names without
# them, which works but also pulls in cold instances of generic functions).
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD=""
BIN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --load) LOAD=$2; shift ;;
        --bin) BIN=$(realpath "$2"); shift ;;
        *) sed -n 6,10p "$0" >&2; exit 2 ;;
    esac
    shift
done
if ! command -v valgrind >/dev/null; then
    echo "hot-code: needs valgrind (apt-get install valgrind)" >&2
    exit 1
fi

if [ -z "$BIN" ]; then
    cargo rustc --release -p psmonitor-server --bin psmonitor -- -C strip=none
    target=${CARGO_TARGET_DIR:-target}
fi
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bench_init hot-code
bin=$WORK/psmonitor
cp "${BIN:-$target/release/psmonitor}" "$bin"
if [ "$(nm "$bin" 2>/dev/null | wc -l)" -lt 1000 ]; then
    echo "hot-code: $bin has no symbols" >&2
    exit 1
fi

data=$(mktemp -d -p "$WORK")
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no \
    --dump-line=no --compress-strings=no --compress-pos=no --demangle=no \
    "$bin" serve --address 127.0.0.1 --port 0 --data-dir "$data" --log-level warn \
    > "$data/out" 2> "$data/err" &
pid=$!
PIDS+=("$pid")
wait_url "$data/out" 1200 || { cat "$data/err" >&2; exit 1; }
sleep 10
if [ -n "$LOAD" ]; then
    "$LOAD/psmonitor-load" --server "$URL" --subscribers 1 --http-rate 0 --duration 40s \
        > /dev/null 2>&1 &
    PIDS+=("$!")
fi
timeout 40 "$bin" watch --json --server "$URL" > "$data/watch" 2>&1 || true
token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"PSMonitor\",\"password\":\"$PSMONITOR_PASSWORD\"}" "$URL/authenticate" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p' || true)
for path in / /system /metrics; do
    curl -s -o /dev/null -H "Authorization: Bearer $token" "$URL$path" || true
done
sleep 5
kill -TERM "$pid"
wait "$pid" || true
[ -s "$data/watch" ] || { echo "hot-code: the watch subscriber got nothing" >&2; exit 1; }

# The callgrind file names each function once per object (`ob=`): keep those of the binary,
# without valgrind's `'2` marks for same-named local functions, nor its names for code without
# a symbol ("0x..." addresses, "(below main)").
{
    echo "# Functions \`psmonitor serve\` runs: by scripts/hot-code.sh, for scripts/hot-link.sh."
    awk -v bin="$bin" '
        /^ob=/ { inbin = (substr($0, 4) == bin) }
        /^fn=/ && inbin {
            s = substr($0, 4)
            sub(/\047[0-9]+$/, "", s)
            if (s !~ /^(0x|\()/) print s
        }
    ' "$WORK/callgrind.out" | sort -u
} > .cargo/hot-code.txt
echo "hot-code: $(grep -vc '^#' .cargo/hot-code.txt) functions in .cargo/hot-code.txt" >&2

# Link the new list in (the linker reads it; cargo does not know the file).
if [ -z "$BIN" ]; then
    touch adapters/server/src/bin/psmonitor/main.rs
    cargo build --release -p psmonitor-server
fi
