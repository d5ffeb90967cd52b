#!/usr/bin/env bash
# Thread wakes and CPU time per thread of an idle (or lightly watched) server, history on: a
# fresh server with a fresh data directory on 127.0.0.1, left 12 s to settle, then each
# thread's CPU time and run count (`/proc/PID/task/*/schedstat`: a run is a wake, or a
# preemption) over the window; with `--strace`, also `strace -c -f -p PID` over the window.
#
# usage: scripts/bench-wakes.sh [--window 30] [--subscribers N] [--strace] BIN_DIR
#   BIN_DIR           a directory holding `psmonitor` (and `psmonitor-load` for --subscribers)
set -euo pipefail

WINDOW=30
SUBS=0
STRACE=""
DIR=""
while [ $# -gt 0 ]; do
    case "$1" in
        --window) WINDOW=${2%s}; shift ;;
        --subscribers) SUBS=$2; shift ;;
        --strace) STRACE=1 ;;
        -h|--help) sed -n 2,9p "$0"; exit 0 ;;
        *) DIR=$1 ;;
    esac
    shift
done
[ -n "$DIR" ] || { sed -n 8,9p "$0" >&2; exit 2; }

WORK=$(mktemp -d -t psmonitor-wakes.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
PSMONITOR_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export PSMONITOR_PASSWORD

"$DIR/psmonitor" serve --address 127.0.0.1 --port 0 --data-dir "$WORK" --log-level warn \
    > "$WORK/out" 2> "$WORK/err" &
PID=$!
PIDS+=("$PID")
url=""
for _ in $(seq 1 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/out" | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.2
done
[ -n "$url" ] || { echo "$DIR/psmonitor did not start:" >&2; cat "$WORK/err" >&2; exit 1; }
if [ "$SUBS" -gt 0 ]; then
    "$DIR/psmonitor-load" --server "$url" --subscribers "$SUBS" --http-rate 0 \
        --duration "$((WINDOW + 40))s" --json > "$WORK/load.json" 2> "$WORK/load.err" &
    PIDS+=("$!")
fi
sleep 12

# One line per thread: name#index, CPU nanoseconds, runs.
snap() {
    for t in /proc/"$PID"/task/*; do
        echo "$(cat "$t/comm") $(cat "$t/schedstat")"
    done | sort | awk '{print $1 "#" NR, $2, $4}'
}
snap > "$WORK/s0"
if [ -n "$STRACE" ]; then
    timeout -s INT "$WINDOW" strace -c -f -p "$PID" -o "$WORK/strace" || true
else
    sleep "$WINDOW"
fi
snap > "$WORK/s1"
echo "$DIR: $SUBS subscribers, ${WINDOW} s"
join "$WORK/s0" "$WORK/s1" | awk -v w="$WINDOW" '{
    cpu = ($4 - $2) / 1e3 / w; runs = ($5 - $3) / w; tc += cpu; tr += runs
    printf "  %-20s %8.1f us/s %6.2f runs/s\n", $1, cpu, runs
} END { printf "  %-20s %8.1f us/s %6.2f runs/s\n", "total", tc, tr }'
if [ -n "$STRACE" ]; then sed -n '/% time/,/total/p' "$WORK/strace"; fi
