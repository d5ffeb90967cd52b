#!/usr/bin/env bash
# End-to-end load benchmark: builds the release server and load generator, then measures an idle
# server, 1 / 100 / 1,000 / 10,000 subscribers at 1 Hz, and GET /system latency with and without
# 10 logins per second. Each case gets a fresh server (so its peak RSS is its own) on 127.0.0.1,
# a free port and a temporary data dir; the account is created once beforehand, so no case pays
# for the first run's password hashing. Prints one markdown table with each figure beside its goal.
#
# usage: scripts/bench.sh [--quick] [--duration 30s] [--fixture fixtures/hosts/NAME.json]
#                         [--cases "idle sub1 sub100 sub1000 sub10000 http http-login handshakes"]
#                         [--tls] [--bins DIR] [--out DIR]
#   --tls        the server speaks TLS (self-signed, pinned by the load generator); the
#                `handshakes` case (TLS only) counts full handshakes per second with openssl s_time
#   --bins DIR   use DIR/psmonitor and DIR/psmonitor-load instead of building the release ones
#   --compare BEFORE_DIR  instead: issue 23's side-by-side run of this build (--bins, or the
#                release build) against the build in BEFORE_DIR, node_exporter and btop, in
#                one run (scripts/bench-compare.sh; --duration sets each case's window)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=30s
FIXTURE=""
CASES="idle sub1 sub100 sub1000 sub10000 http http-login"
OUT=""
TLS=""
BINS=""
COMPARE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) DURATION=10s ;;
        --duration) DURATION="$2"; shift ;;
        --fixture) FIXTURE="$2"; shift ;;
        --cases) CASES="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        --tls) TLS=1 ;;
        --bins) BINS="$2"; shift ;;
        --compare) COMPARE="$2"; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# 10,000 websockets need 10,000 descriptors in the server and in the load generator.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
    echo "warning: open-file limit $(ulimit -n) is below 10,100; the 10,000-subscriber case will fall short" >&2
fi

if [ -n "$BINS" ]; then
    SERVER_BIN=$BINS/psmonitor
    LOAD_BIN=$BINS/psmonitor-load
else
    cargo build --release -p psmonitor-server -p psmonitor-load
    SERVER_BIN=target/release/psmonitor
    LOAD_BIN=target/release/psmonitor-load
fi

if [ -n "$COMPARE" ]; then
    exec scripts/bench-compare.sh "$COMPARE" "$(dirname "$SERVER_BIN")" --window "$DURATION"
fi

WORK=$(mktemp -d -t psmonitor-bench.XXXXXX)
OUT=${OUT:-$WORK}
mkdir -p "$OUT"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK/data"
}
FINGERPRINT=""
trap cleanup EXIT
PSMONITOR_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export PSMONITOR_PASSWORD

start_server() {
    local args=(serve --address 127.0.0.1 --port 0 --data-dir "$WORK/data"
                --max-connections 12000 --log-level warn)
    if [ -n "$FIXTURE" ]; then args+=(--fixture "$FIXTURE"); fi
    if [ -n "$TLS" ]; then args+=(--tls on); fi
    : > "$WORK/server.out"
    "$SERVER_BIN" "${args[@]}" > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 300); do
        URL=$(grep -o 'https\?://127\.0\.0\.1:[0-9]*' "$WORK/server.out" | head -n 1 || true)
        FINGERPRINT=$(sed -n 's/.*certificate fingerprint \([0-9A-F:]*\)).*/\1/p' "$WORK/server.out" | head -n 1)
        if [ -n "$URL" ]; then return 0; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "the server did not start:" >&2
    cat "$WORK/server.err" >&2
    exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

run_case() {
    local name=$1; shift
    start_server
    sleep 1
    echo "== $name: psmonitor-load --duration $DURATION $* (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    local pin=()
    if [ -n "$FINGERPRINT" ]; then pin=(--fingerprint "$FINGERPRINT"); fi
    "$LOAD_BIN" --server "$URL" "${pin[@]}" --server-pid "$SERVER_PID" --duration "$DURATION" --json "$@" \
        > "$OUT/$name.json"
    stop_server
}

# Full TLS handshakes per second (no resumption), one client process, for 10 s.
handshakes_case() {
    start_server
    sleep 1
    local hostport=${URL#https://}
    echo "== handshakes: openssl s_time -connect $hostport -new -time 10" >&2
    local secs
    secs=$(awk '{print $14+$15}' "/proc/$SERVER_PID/stat")
    openssl s_time -connect "$hostport" -new -time 10 2>/dev/null \
        | awk '/connections in .* real seconds/ {printf "{\"connections\": %s, \"seconds\": %s}\n", $1, $4}' \
        > "$OUT/handshakes.json"
    local after
    after=$(awk '{print $14+$15}' "/proc/$SERVER_PID/stat")
    python3 - "$OUT/handshakes.json" "$secs" "$after" "$(getconf CLK_TCK)" <<'PY'
import json, sys
path, before, after, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(path) as f:
    r = json.load(f)
r["server_cpu_seconds"] = (after - before) / tck
r["load_average"] = open("/proc/loadavg").read().split()[:3]
with open(path, "w") as f:
    json.dump(r, f)
PY
    stop_server
}

# First run: creates the account (argon2 hashing) so that no measured case includes it.
start_server
stop_server

for case in $CASES; do
    case "$case" in
        idle) run_case idle --subscribers 0 --http-rate 0 ;;
        sub1) run_case sub1 --subscribers 1 --http-rate 0 ;;
        sub100) run_case sub100 --subscribers 100 --http-rate 0 ;;
        sub1000) run_case sub1000 --subscribers 1000 --http-rate 0 ;;
        sub10000) run_case sub10000 --subscribers 10000 --http-rate 0 ;;
        http) run_case http --subscribers 0 --http-rate 50 ;;
        http-login) run_case http-login --subscribers 0 --http-rate 50 --login-rate 10 ;;
        handshakes) handshakes_case ;;
        *) echo "unknown case $case" >&2; exit 2 ;;
    esac
done

echo "server: $SERVER_BIN${TLS:+ with --tls on}"
echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM, kernel $(uname -r), $(ps -e --no-headers | wc -l) processes; window $DURATION per case${FIXTURE:+, fixture $FIXTURE}"
python3 - "$OUT" $CASES <<'EOF'
import json, sys, os
out, cases = sys.argv[1], sys.argv[2:]
r = {}
for c in cases:
    with open(os.path.join(out, c + ".json")) as f:
        r[c] = json.load(f)

def srv(c, k): return r[c]["server"][k]
def fmt(v, d=2): return f"{v:.{d}f}"
def row(case, figure, goal, value, ok):
    mark = "" if ok is None else (" ✅" if ok else " ❌")
    la = r[case]["load_average"]
    print(f"| {case} | {figure} | {goal} | {value}{mark} | {la[0]} |")

print("| case | figure | goal | measured | load avg (1 min) at start |")
print("|---|---|---|---|---|")
if "idle" in r:
    row("idle", "server CPU, % of one core", "", fmt(srv("idle", "cpu_percent")), None)
    row("idle", "server RSS now / peak (VmHWM), MiB", "<= 8", f'{fmt(srv("idle","rss_mib"),1)} / {fmt(srv("idle","peak_rss_mib"),1)}', srv("idle", "rss_mib") <= 8)
for c in ["sub1", "sub100", "sub1000", "sub10000"]:
    if c not in r: continue
    x, fr = r[c], r[c]["frames"]
    n = x["subscribers_requested"]
    row(c, "subscribers connected", str(n), f'{x["subscribers_connected"]} (ramp {fmt(x["ramp_secs"],1)} s, {x["subscribers_dropped"]} dropped)', x["subscribers_connected"] == n and x["subscribers_dropped"] == 0)
    row(c, "frames per subscriber min / mean / max (ticks in window)", "every frame", f'{fr["min"]} / {fmt(fr["mean"])} / {fr["max"]} ({fr["ticks"]})', None)
    row(c, "frames missed (subscribers missing any)", "0", f'{fr["missed"]} ({fr["subscribers_missing"]})', fr["missed"] == 0)
    row(c, "delivery spread, first to last subscriber, max", "", f'{fmt(fr["max_spread_ms"],1)} ms', None)
    cpu_goal = {"sub1": 0.3, "sub10000": 100.0}.get(c)
    row(c, "server CPU, % of one core", f"<= {cpu_goal}" if cpu_goal else "", fmt(srv(c, "cpu_percent")), srv(c, "cpu_percent") <= cpu_goal if cpu_goal else None)
    rss_goal = {"sub1": 8, "sub10000": 200}.get(c)
    row(c, "server RSS now / peak (VmHWM), MiB", f"<= {rss_goal}" if rss_goal else "", f'{fmt(srv(c,"rss_mib"),1)} / {fmt(srv(c,"peak_rss_mib"),1)}', srv(c, "peak_rss_mib") <= rss_goal if rss_goal else None)
    if c == "sub1":
        row(c, "frame size, bytes per subscriber per second", "<= 1024", fmt(fr["bytes_per_subscriber_second"], 0), fr["bytes_per_subscriber_second"] <= 1024)
    row(c, "load generator CPU, % of one core", "", fmt(x["load_generator"]["cpu_percent"]), None)
for c in ["http", "http-login"]:
    if c not in r: continue
    s = r[c]["system"]
    row(c, f'GET /system p50 / p90 / p99 / max, ms ({s["ok"]} ok, {s["errors"]} errors)', "p50 <= 0.5, p99 <= 5", f'{fmt(s["p50_ms"],3)} / {fmt(s["p90_ms"],3)} / {fmt(s["p99_ms"],3)} / {fmt(s["max_ms"],3)}', s["p50_ms"] <= 0.5 and s["p99_ms"] <= 5)
    l = r[c].get("login")
    if l:
        row(c, f'POST /authenticate p50 / p99 / max, ms ({l["ok"]} ok = {fmt(l["rate"],1)}/s, {l["errors"]} errors, {l["skipped"]} skipped)', "10/s", f'{fmt(l["p50_ms"],1)} / {fmt(l["p99_ms"],1)} / {fmt(l["max_ms"],1)}', l["rate"] >= 9.5)
    row(c, "server CPU, % of one core / peak RSS MiB", "", f'{fmt(srv(c,"cpu_percent"))} / {fmt(srv(c,"peak_rss_mib"),1)}', None)
if "handshakes" in r:
    h = r["handshakes"]
    rate = h["connections"] / h["seconds"]
    per = h["server_cpu_seconds"] / max(h["connections"], 1) * 1000
    print(f'| handshakes | full TLS handshakes per second (one openssl client) / server CPU per handshake | | {rate:.0f} / {per:.2f} ms | {h["load_average"][0]} |')
EOF
echo "raw results: $OUT" >&2
