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

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init wakes

serve "$DIR/psmonitor"
load_subscribers "$DIR" "$URL" "$SUBS" "$((WINDOW + 40))" "$WORK/load"
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
