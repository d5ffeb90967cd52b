#!/usr/bin/env bash
# Per-subscriber memory (issue 23: <= 6 KiB plain, <= 12 KiB TLS), for several builds side by
# side, measured the way `scripts/bench-compare.sh` does: a fresh server (history on, the
# default), its VmRSS once it listens, then N websocket subscribers from `psmonitor-load`, given
# 5 s + 20 ms each to connect, then VmRSS again; per subscriber = (after - idle) / N.
# Builds are alternated round by round, so a drift of the machine hits them all alike.
#
# usage: scripts/bench-persub.sh [--count 1000] [--rounds 2] [--plain-only|--tls-only]
#                                LABEL=DIR [LABEL=DIR...]
#   DIR holds `psmonitor` and `psmonitor-load` (release builds).
#
# Prints one markdown row per build and transport: every round's figure and their mean, and the
# anonymous part of it (RssAnon: heap and stacks). The rest is the binary's own pages, mapped in
# as code first runs (a first TLS handshake pages in rustls and aws-lc); with the release
# server's hot code linked first (scripts/hot-link.sh) that is no longer in the idle figure, so
# N subscribers carry it.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=1000
ROUNDS=2
MODES="plain tls"
BUILDS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --count) COUNT=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --plain-only) MODES=plain ;;
        --tls-only) MODES=tls ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        *=*) BUILDS+=("$1") ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#BUILDS[@]} -gt 0 ] || { sed -n 8,10p "$0" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init persub
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# one LABEL DIR MODE ROUND: appends "LABEL MODE ROUND KiB-per-subscriber connected" to RESULTS.
one() {
    local label=$1 dir=$2 mode=$3 round=$4 args=() pin=()
    if [ "$mode" = tls ]; then args=(--tls on); fi
    serve "$dir/psmonitor" "${args[@]}"
    if [ -n "$FINGERPRINT" ]; then pin=(--fingerprint "$FINGERPRINT"); fi
    sleep 1
    local idle idle_anon
    idle=$(rss_kib "$PID")
    idle_anon=$(anon_kib "$PID")
    local json=$WORK/load-$label-$mode-$round.json
    "$dir/psmonitor-load" --server "$URL" "${pin[@]}" --subscribers "$COUNT" --http-rate 0 \
        --duration 20s --json > "$json" 2> "$json.err" &
    local load=$!
    PIDS+=("$load")
    sleep "$(( 5 + COUNT / 50 ))"
    local held held_anon
    held=$(rss_kib "$PID")
    held_anon=$(anon_kib "$PID")
    stop "$load"; stop "$PID"
    local connected
    connected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["subscribers_connected"])' "$json" 2>/dev/null || echo "?")
    python3 -c "print('$label', '$mode', $round, f'{($held - $idle) / $COUNT:.2f}', '$connected', $idle, $held, f'{($held_anon - $idle_anon) / $COUNT:.2f}', sep='\t')" >> "$RESULTS"
    echo "== $label $mode round $round: idle $idle KiB, with $COUNT subscribers $held KiB ($connected connected), load $(cut -d' ' -f1 /proc/loadavg)" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for build in "${BUILDS[@]}"; do
        for mode in $MODES; do
            one "${build%%=*}" "${build#*=}" "$mode" "$round"
        done
    done
done

echo "machine: $(nproc) cores, kernel $(uname -r); $COUNT subscribers, $ROUNDS rounds"
python3 - "$RESULTS" <<'EOF'
import sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    label, mode, _round, per, connected, idle, held, anon = line.rstrip("\n").split("\t")
    rows[(label, mode)].append((float(per), connected, int(idle), int(held), float(anon)))
goal = {"plain": 6, "tls": 12}
print("| build | transport | per subscriber, KiB (each round) | mean | goal | of it anonymous (heap, stacks), KiB | idle RSS, MiB | connected |")
print("|---|---|---|---|---|---|---|---|")
for (label, mode), runs in rows.items():
    mean = sum(r[0] for r in runs) / len(runs)
    ok = " ✅" if mean <= goal[mode] else " ❌"
    each = " / ".join(f"{r[0]:.2f}" for r in runs)
    idle = " / ".join(f"{r[2] / 1024:.1f}" for r in runs)
    conn = " / ".join(r[1] for r in runs)
    anon = " / ".join(f"{r[4]:.2f}" for r in runs)
    print(f"| {label} | {mode} | {each} | {mean:.2f}{ok} | <= {goal[mode]} | {anon} | {idle} | {conn} |")
EOF
