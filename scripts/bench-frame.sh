#!/usr/bin/env bash
# Where a frame's cost goes in the server, plain against TLS: a server from BIN_DIR with N websocket
# subscribers (psmonitor-load, one frame a second each), and once all of them are connected, one of
#   --strace  `strace -c -f` over the window: syscalls by name, and per frame (N x window frames)
#   --perf    `perf record -e cpu-clock -g` over the window: the user/kernel split of the samples
#             and the costliest symbols, self time (an unstripped build: STRIP=none, DEBUG=line-tables-only)
#   --callgrind  the server runs under `valgrind --tool=callgrind`; its user-space instructions over
#             the window per frame, every thread, and the costliest functions, inclusive
#   (none)    the server's CPU time over the window, per frame
# For --tls the server speaks TLS with its self-signed certificate, pinned by the load generator.
#
# usage: scripts/bench-frame.sh [--subscribers 1000] [--window 20] [--tls] [--strace|--perf]
#                               [--top 25] [--out DIR] BIN_DIR
#   BIN_DIR   a directory holding `psmonitor` and `psmonitor-load`
set -euo pipefail
cd "$(dirname "$0")/.."

SUBS=1000
WINDOW=20
TLS=""
MODE=cpu
TOP=25
OUT=""
DIR=""
while [ $# -gt 0 ]; do
    case "$1" in
        --subscribers) SUBS=$2; shift ;;
        --window) WINDOW=${2%s}; shift ;;
        --tls) TLS=1 ;;
        --strace) MODE=strace ;;
        --perf) MODE=perf ;;
        --callgrind) MODE=callgrind ;;
        --top) TOP=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        *) DIR=$1 ;;
    esac
    shift
done
[ -n "$DIR" ] || { sed -n 10,12p "$0" >&2; exit 2; }

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init frame
OUT=${OUT:-$WORK}
mkdir -p "$OUT"

args=(--max-connections $((SUBS + 1000)))
[ -z "$TLS" ] || args+=(--tls on)
if [ "$MODE" = callgrind ]; then
    DATA=$(mktemp -d -p "$WORK")
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.%p" \
        "$DIR/psmonitor" serve --address 127.0.0.1 --port 0 --data-dir "$DATA" --log-level warn \
        "${args[@]}" > "$DATA/out" 2> "$DATA/err" &
    PID=$!
    PIDS+=("$PID")
    wait_url "$DATA/out" 1200 || { echo "psmonitor did not start under valgrind:" >&2; cat "$DATA/err" >&2; exit 1; }
else
    serve "$DIR/psmonitor" "${args[@]}"
fi
SERVER=$PID
export PSMONITOR_FINGERPRINT=${FINGERPRINT:-}
[ -n "$TLS" ] || unset PSMONITOR_FINGERPRINT
# Longer than it takes to connect them all and the window: stopped at the end.
"$DIR/psmonitor-load" --server "$URL" --subscribers "$SUBS" --http-rate 0 \
    --duration "$((WINDOW + 600))s" --json > "$WORK/load.json" 2> "$WORK/load.err" &
PIDS+=("$!")
LOAD=$!

# Connected: the server holds a descriptor per subscriber. Then 5 s more to settle.
for _ in $(seq 1 1800); do
    fds=$(find /proc/"$SERVER"/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [ "$fds" -lt "$SUBS" ] || break
    kill -0 "$LOAD" 2>/dev/null || { echo "psmonitor-load ended:" >&2; cat "$WORK/load.err" >&2; exit 1; }
    sleep 0.1
done
sleep 5
FRAMES=$((SUBS * WINDOW))
transport=plain
[ -z "$TLS" ] || transport=TLS
label="$(basename "$DIR") $transport, $SUBS subscribers, ${WINDOW} s"

cpu0=$(cpu_ns "$SERVER")
case "$MODE" in
    strace)
        strace -c -f -p "$SERVER" -o "$OUT/strace.txt" &
        tracer=$!
        sleep "$WINDOW"
        kill -INT "$tracer"
        wait "$tracer" 2>/dev/null || true
        echo "$label: syscalls over the window ($FRAMES frames)"
        awk -v f="$FRAMES" '$1 ~ /^[0-9.]+$/ && NF >= 5 {
                name = $NF; calls = $4; errs = (NF == 6) ? $5 : 0
                printf "  %-16s %9d calls %7.3f per frame  (errors %d)\n", name, calls, calls / f, errs
            }' "$OUT/strace.txt"
        ;;
    perf)
        perf record -q -e cpu-clock -g -p "$SERVER" -o "$OUT/perf.data" -- sleep "$WINDOW" \
            > /dev/null 2>&1
        echo "$label: perf cpu-clock samples"
        perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null \
            | grep -v '^#' | grep -v '^$' | grep '%' | head -n 8
        echo "  top symbols, self:"
        perf report -i "$OUT/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null \
            | grep -v '^#' | grep -v '^$' | grep '%' | head -n "$TOP"
        ;;
    callgrind)
        callgrind_control -z "$SERVER" > /dev/null
        sleep "$WINDOW"
        callgrind_control -d "$SERVER" > /dev/null
        sleep 1
        dump=$(find "$OUT" -name "cg.$SERVER.*" | sort | tail -n 1)
        total=$(awk '/^summary:|^totals:/ {print $2; exit}' "$dump")
        echo "$label: $total instructions (user space), $((total / FRAMES)) per frame"
        callgrind_annotate --inclusive=yes "$dump" 2>/dev/null \
            | awk '/file:function/ {n++; next} n >= 1 && NF' | head -n "$TOP"
        ;;
    cpu)
        sleep "$WINDOW"
        ;;
esac
cpu1=$(cpu_ns "$SERVER")
cpu=$((cpu1 - cpu0))
echo "$label: server CPU $(awk -v c="$cpu" -v w="$WINDOW" 'BEGIN {printf "%.2f", c / w / 1e7}') % of a core," \
    "$(awk -v c="$cpu" -v f="$FRAMES" 'BEGIN {printf "%.2f", c / f / 1000}') µs per frame" \
    "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
stop "$LOAD"
