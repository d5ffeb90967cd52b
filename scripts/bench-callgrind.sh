#!/usr/bin/env bash
# Instructions per sampling tick, counted by callgrind, for one or more builds side by side:
# each build's server runs under `valgrind --tool=callgrind` with history on (the default), is
# left to settle, its counters are zeroed, and after the window they are dumped. Instructions over
# the window divided by its seconds is the cost of one tick (one sample a second), every thread
# included (sampler, hub, history writer, database watcher, sockets). Periodic work (every 10, 30
# and 60 samples, and the history thread's 10 s batches) makes a 20 s window depend on where it
# falls: compare builds with --window 60.
#
# usage: scripts/bench-callgrind.sh [--window 20] [--subscribers N] [--top 15] [--out DIR] BIN_DIR...
#   BIN_DIR      a directory holding `psmonitor` (and `psmonitor-load` for --subscribers)
#   --subscribers N   N websocket subscribers (plain) connected before the window
#   --top K      also print each build's K costliest functions, self cost (unstripped binary)
#   --out DIR    keep each build's callgrind dump there (cg.1, cg.2, ... in argument order)
set -euo pipefail
cd "$(dirname "$0")/.."

WINDOW=20
SUBS=0
TOP=0
OUT=""
DIRS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --window) WINDOW=${2%s}; shift ;;
        --subscribers) SUBS=$2; shift ;;
        --top) TOP=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) DIRS+=("$1") ;;
    esac
    shift
done
[ "${#DIRS[@]}" -gt 0 ] || { sed -n 10,14p "$0" >&2; exit 2; }
[ -z "$OUT" ] || mkdir -p "$OUT"

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init callgrind

n=0
for dir in "${DIRS[@]}"; do
    n=$((n + 1))
    data=$(mktemp -d -p "$WORK")
    valgrind --tool=callgrind --callgrind-out-file="$data/cg.%p" \
        "$dir/psmonitor" serve --address 127.0.0.1 --port 0 --data-dir "$data" --log-level warn \
        > "$data/out" 2> "$data/err" &
    pid=$!
    PIDS+=("$pid")
    wait_url "$data/out" 1200 || { echo "$dir/psmonitor did not start under valgrind:" >&2; cat "$data/err" >&2; exit 1; }
    load_subscribers "$dir" "$URL" "$SUBS" "$((WINDOW + 60))" "$data/load"
    # Settle: the first reading is a baseline, the account is loaded, subscribers connect.
    sleep 10
    callgrind_control -z "$pid" > /dev/null
    sleep "$WINDOW"
    callgrind_control -d "$pid" > /dev/null
    sleep 1
    dump=$(ls -t "$data"/cg.* | grep -v "cg\.$pid$" | head -n 1 || true)
    [ -n "$dump" ] || dump="$data/cg.$pid"
    total=$(awk '/^summary:|^totals:/ {print $2; exit}' "$dump")
    echo "$dir: $total instructions in ${WINDOW} s, $((total / WINDOW)) per tick ($SUBS subscribers)"
    [ -z "$OUT" ] || cp "$dump" "$OUT/cg.$n"
    if [ "$TOP" -gt 0 ]; then
        callgrind_annotate --inclusive=no "$dump" 2>/dev/null \
            | awk '/file:function/ {n++; next} n >= 1 && NF' | head -n "$TOP"
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
