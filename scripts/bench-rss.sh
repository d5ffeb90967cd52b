#!/usr/bin/env bash
# Resident memory of `psmonitor serve` (history on, the default), idle and with one websocket
# subscriber, for several builds alternated: VmRSS, RssAnon and RssFile from /proc/PID/status,
# and "code", the resident part of the binary's own executable mapping (from /proc/PID/smaps).
#
# usage: scripts/bench-rss.sh [--rounds 3] [--window 20s] DIR...
#   DIR  a directory holding `psmonitor` and `psmonitor-load` (release builds)
#
# Each round starts every build in turn on 127.0.0.1 with a fresh data dir, reads its status after
# the window idle, then after the window with one subscriber (`psmonitor-load --subscribers 1`).
# Prints one markdown row per build and case with the median over the rounds, in MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=3
WINDOW=20
DIRS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift ;;
        --window) WINDOW=${2%s}; shift ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) DIRS+=("$1") ;;
    esac
    shift
done
[ ${#DIRS[@]} -gt 0 ] || { sed -n 5,6p "$0" >&2; exit 2; }

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init rss
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# status DIR CASE PID: appends "DIR CASE VmRSS RssAnon RssFile code" (KiB) to RESULTS.
status() {
    local code
    code=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {x = ($2 == "r-xp" && $6 ~ /\/psmonitor$/)}
        x && /^Rss:/ {s += $2} END {print s + 0}' /proc/"$3"/smaps)
    awk -v d="$1" -v c="$2" -v code="$code" '
        /^VmRSS/ {r = $2} /^RssAnon/ {a = $2} /^RssFile/ {f = $2}
        END {print d "\t" c "\t" r "\t" a "\t" f "\t" code}' /proc/"$3"/status >> "$RESULTS"
    echo "== $1 $2: $(tail -n 1 "$RESULTS" | cut -f3-) KiB" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for dir in "${DIRS[@]}"; do
        serve "$dir/psmonitor"
        pid=$PID url=$URL data=$DATA
        sleep "$WINDOW"
        status "$dir" idle "$pid"
        "$dir/psmonitor-load" --server "$url" --subscribers 1 --http-rate 0 \
            --duration "$((WINDOW + 30))s" > /dev/null 2> "$data/load.err" &
        load=$!
        PIDS+=("$load")
        sleep "$WINDOW"
        status "$dir" "one client" "$pid"
        kill -TERM "$load" "$pid" 2>/dev/null || true
        wait "$load" "$pid" 2>/dev/null || true
    done
done

echo "rounds: $ROUNDS, window ${WINDOW} s per case; medians in MiB"
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    d, case, *kib = line.rstrip("\n").split("\t")
    rows.setdefault((d, case), []).append([int(k) for k in kib])
print("| build | case | VmRSS | RssAnon | RssFile | code |")
print("|---|---|---|---|---|---|")
for (d, case), values in rows.items():
    med = [statistics.median(col) / 1024 for col in zip(*values)]
    print(f"| {d} | {case} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.2f} |")
PY
