#!/usr/bin/env bash
# Issue 23's side-by-side run: this build, an earlier build ("before"), node_exporter and btop
# measured in the same run, one after the other, on 127.0.0.1. Called by `scripts/bench.sh
# --compare BEFORE_DIR`; prints one markdown table with each figure beside its goal.
#
# usage: scripts/bench-compare.sh BEFORE_DIR [AFTER_DIR] [--window 60s]
#   BEFORE_DIR, AFTER_DIR  directories holding `psmonitor` and `psmonitor-load` (release builds;
#                          AFTER_DIR defaults to target/release)
#
# CPU is the process's own CPU time over the window, summed over its threads from
# /proc/PID/task/*/schedstat (nanoseconds, so 0.01 % of a core is resolved in a minute), as a
# percentage of one core. RSS is VmRSS at the window's end. Per-subscriber memory is
# (RSS with 1,000 subscribers - RSS before them) / 1,000, the "before" taken after one subscriber
# came and went, so the code a connection runs (the TLS handshake's above all, about 0.8 MiB of
# pages, once per process) is not charged to the 1,000; the figure from a server no one has
# connected to is printed beside it. Every case gets a fresh server and data dir.
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=""
AFTER=target/release
WINDOW=60
while [ $# -gt 0 ]; do
    case "$1" in
        --window) WINDOW=${2%s}; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) if [ -z "$BEFORE" ]; then BEFORE=$1; else AFTER=$1; fi ;;
    esac
    shift
done
[ -n "$BEFORE" ] || { sed -n 6,8p "$0" >&2; exit 2; }

for pkg in prometheus-node-exporter btop; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
        apt-get install -y "$pkg" >/dev/null
    fi
done
ulimit -n "$(ulimit -Hn)"

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init compare
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# measure NAME PID: CPU % of one core over the window and RSS at its end, appended to RESULTS.
measure() {
    local name=$1 pid=$2 t0 c0 t1 c1
    sleep 3
    t0=$(date +%s%N); c0=$(cpu_ns "$pid")
    sleep "$WINDOW"
    t1=$(date +%s%N); c1=$(cpu_ns "$pid")
    local rss
    rss=$(rss_kib "$pid")
    python3 -c "print('$name', f'{($c1-$c0)/($t1-$t0)*100:.3f}', '$rss', sep='\t')" >> "$RESULTS"
    echo "== $name: $(tail -n 1 "$RESULTS" | cut -f2) % of a core, $rss KiB (load $(cut -d' ' -f1 /proc/loadavg))" >&2
}

# subscribe LABEL LOAD_BIN N: N websocket subscribers held open in the background, given
# 5 s + 20 ms each to connect; sets LOAD_PID.
subscribe() {
    local pin=()
    if [ -n "$FINGERPRINT" ]; then pin=(--fingerprint "$FINGERPRINT"); fi
    "$2" --server "$URL" "${pin[@]}" --subscribers "$3" --http-rate 0 \
        --duration "$((WINDOW + 60))s" --json > "$WORK/load-$1.json" 2> "$WORK/load-$1.err" &
    LOAD_PID=$!
    PIDS+=("$LOAD_PID")
    sleep "$(( 5 + $3 / 50 ))"
}

# warm_up LOAD_BIN: one subscriber for 2 s, in the foreground.
warm_up() {
    local pin=()
    if [ -n "$FINGERPRINT" ]; then pin=(--fingerprint "$FINGERPRINT"); fi
    "$1" --server "$URL" "${pin[@]}" --subscribers 1 --http-rate 0 --duration 2s \
        > /dev/null 2>&1 || true
}

# per_subscriber LABEL LOAD_BIN: the running server's memory per subscriber, over 1,000 held
# open after a first one came and went, and from cold; appended to RESULTS.
per_subscriber() {
    local label=$1 cold warm
    cold=$(rss_kib "$PID")
    warm_up "$2"
    warm=$(rss_kib "$PID")
    subscribe "${label// /-}" "$2" 1000
    local now
    now=$(rss_kib "$PID")
    echo -e "$label\t\t$(( now - warm ))" >> "$RESULTS"
    echo -e "$label from cold\t\t$(( now - cold ))" >> "$RESULTS"
}

psmonitor_cases() {
    local label=$1 dir=$2 history=$3
    local args=()
    if [ "$history" = on ]; then args=(--history on); fi
    if [ "$history" = off ]; then args=(--history off); fi
    serve "$dir/psmonitor" "${args[@]}"
    measure "$label idle" "$PID"
    subscribe "$label-sub1" "$dir/psmonitor-load" 1
    measure "$label one subscriber" "$PID"
    stop "$LOAD_PID"; stop "$PID"
    serve "$dir/psmonitor" "${args[@]}"
    per_subscriber "$label per subscriber plain" "$dir/psmonitor-load"
    stop "$LOAD_PID"; stop "$PID"
}

# This build, history on (the default) and off; the earlier build (no history there).
psmonitor_cases after "$AFTER" on
psmonitor_cases "after-history-off" "$AFTER" off
psmonitor_cases before "$BEFORE" default

# This build over TLS: per-subscriber memory.
serve "$AFTER/psmonitor" --tls on
per_subscriber "after per subscriber tls" "$AFTER/psmonitor-load"
stop "$LOAD_PID"; stop "$PID"

# node_exporter: unscraped, then scraped once a second.
prometheus-node-exporter --web.listen-address=127.0.0.1:19100 > "$WORK/ne.out" 2>&1 &
NE=$!
PIDS+=("$NE")
sleep 2
measure "node_exporter idle" "$NE"
( while sleep 1; do curl -s -o /dev/null http://127.0.0.1:19100/metrics; done ) &
SCRAPER=$!
PIDS+=("$SCRAPER")
measure "node_exporter scraped 1 Hz" "$NE"
kill "$SCRAPER"; stop "$NE"

# btop on a 120x40 pseudo-terminal at its default refresh (its stdin held open by a sleep).
sleep $((WINDOW + 30)) | TERM=xterm-256color script -qfc "stty cols 120 rows 40; btop" /dev/null \
    > /dev/null 2>&1 &
PIDS+=("$!")
sleep 3
BTOP=$(pgrep -n -x btop)
PIDS+=("$BTOP")
measure "btop" "$BTOP"
kill "$BTOP" 2>/dev/null || true

strip_size() { local t; t=$(mktemp -p "$WORK"); strip -o "$t" "$1"; stat -c %s "$t"; }
SIZE_AFTER=$(strip_size "$AFTER/psmonitor")
SIZE_BEFORE=$(strip_size "$BEFORE/psmonitor")

echo "machine: $(nproc) cores, kernel $(uname -r), $(ps -e --no-headers | wc -l) processes; window ${WINDOW} s per case"
python3 - "$RESULTS" "$SIZE_AFTER" "$SIZE_BEFORE" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, cpu, rss = line.rstrip("\n").split("\t")
    rows[name] = (float(cpu) if cpu else None, int(rss))
size_after, size_before = int(sys.argv[2]), int(sys.argv[3])
def cpu(n): return rows[n][0]
def mib(n): return rows[n][1] / 1024
def mark(ok): return " ✅" if ok else " ❌"
ne = cpu("node_exporter scraped 1 Hz")
print("| figure | goal | this build | before | node_exporter | btop |")
print("|---|---|---|---|---|---|")
a = cpu("after one subscriber")
print(f"| one subscriber, history on, % of a core | <= 0.10 (<= 0.2x node_exporter at 1 Hz) | {a:.3f}{mark(a <= 0.10)} ({a/ne:.2f}x) | {cpu('before one subscriber'):.3f} | {ne:.3f} (scraped 1 Hz) | |")
print(f"| one subscriber, history off, % of a core | | {cpu('after-history-off one subscriber'):.3f} | | | |")
i = cpu("after idle")
print(f"| idle, history on, % of a core | <= 0.05 | {i:.3f}{mark(i <= 0.05)} | {cpu('before idle'):.3f} | {cpu('node_exporter idle'):.3f} (unscraped) | {cpu('btop'):.3f} |")
print(f"| idle, history off, % of a core | | {cpu('after-history-off idle'):.3f} | | | |")
for case, label in [("idle", "idle"), ("one subscriber", "one client")]:
    r = mib(f"after {case}")
    print(f"| RSS {label}, history on, MiB | <= 8 (<= 1.3x btop, <= 0.4x node_exporter) | {r:.1f}{mark(r <= 8)} ({r/mib('btop'):.2f}x btop, {r/mib('node_exporter scraped 1 Hz'):.2f}x node_exporter) | {mib(f'before {case}'):.1f} | {mib('node_exporter scraped 1 Hz'):.1f} | {mib('btop'):.1f} |")
def per(n): return rows[n][1] / 1000
p = per("after per subscriber plain")
print(f"| per plain subscriber (1,000 after a first), KiB | <= 6 | {p:.1f}{mark(p <= 6)} (from cold {per('after per subscriber plain from cold'):.1f}) | {per('before per subscriber plain'):.1f} (from cold {per('before per subscriber plain from cold'):.1f}) | | |")
t = per("after per subscriber tls")
print(f"| per TLS subscriber (1,000 after a first), KiB | <= 12 | {t:.1f}{mark(t <= 12)} (from cold {per('after per subscriber tls from cold'):.1f}) | (no TLS) | | |")
print(f"| binary, stripped, MB | <= 7.5 | {size_after/1e6:.2f}{mark(size_after <= 7.5e6)} | {size_before/1e6:.2f} | | |")
EOF
