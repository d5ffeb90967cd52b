#!/usr/bin/env bash
# Where a websocket subscriber's bytes go: the server under heaptrack with N subscribers held
# open. Use a build with symbols (a debug build, or a release one with strip = false).
#
# usage: scripts/bench-persub-heap.sh BIN LOAD_BIN [--tls] [--count 1000] [--out FILE]
#   The server is killed (SIGKILL) while the N subscribers are connected, so heaptrack's "leaked"
#   is everything live at that moment; scripts/bench-persub-heap.py groups it by the code that
#   asked for it. Keeps the heaptrack file as FILE (default /tmp/persub-heap.zst). Run it with
#   --count 0 too: what is live without subscribers is not theirs.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$1 LOAD=$2; shift 2
COUNT=1000
TLS=()
OUT=/tmp/persub-heap.zst
while [ $# -gt 0 ]; do
    case "$1" in
        --tls) TLS=(--tls on) ;;
        --count) COUNT=$2; shift ;;
        --out) OUT=$2; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
ulimit -n "$(ulimit -Hn)"
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init heap
DATA=$WORK/data
mkdir -p "$DATA"


# First start: makes the account (the password hash) and the certificate, then stops.
"$BIN" serve --address 127.0.0.1 --port 0 --data-dir "$DATA" --log-level warn "${TLS[@]}" \
    > "$WORK/first.out" 2>&1 &
FIRST=$!
PIDS+=("$FIRST")
wait_url "$WORK/first.out" 600 || { echo "the server did not start" >&2; exit 1; }
kill -TERM "$FIRST"; wait "$FIRST" 2>/dev/null || true

heaptrack -o "${OUT%.zst}" "$BIN" serve --address 127.0.0.1 --port 0 --data-dir "$DATA" \
    --log-level warn "${TLS[@]}" > "$WORK/out" 2>&1 &
HT=$!
PIDS+=("$HT")
wait_url "$WORK/out" 600 || { echo "the server did not start" >&2; exit 1; }
pin=()
if [ -n "$FINGERPRINT" ]; then pin=(--fingerprint "$FINGERPRINT"); fi
"$LOAD" --server "$URL" "${pin[@]}" --subscribers "$COUNT" --http-rate 0 --duration 30s \
    > "$WORK/load.out" 2>&1 &
LOADPID=$!
PIDS+=("$LOADPID")
sleep "$(( 10 + COUNT / 50 ))"
grep -m1 "subscribers" "$WORK/load.out" >&2 || true
# Kill the server while the subscribers are connected: what heaptrack then counts as leaked is
# everything live at that moment.
SERVER=$(pgrep -P "$HT" -n || true)
if [ -n "$SERVER" ]; then kill -KILL "$SERVER"; fi
wait "$HT" 2>/dev/null || true
kill -TERM "$LOADPID" 2>/dev/null || true
heaptrack_print -f "$OUT" -F "$WORK/stacks" --flamegraph-cost-type leaked > /dev/null 2>&1 || true
python3 scripts/bench-persub-heap.py "$WORK/stacks" "$COUNT" "${TLS:+(TLS)}"
