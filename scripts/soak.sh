#!/usr/bin/env bash
# Soak: one release server (real host collector, fresh data dir, 127.0.0.1, a free port) under
# steady load for an hour: websocket subscribers at the server's 1 s interval, a login a second,
# GET /system ten times a second, and a batch of subscribers dropping and reopening their
# websocket every minute. The load generator writes a CSV row every 30 s (server RSS, open fds,
# CPU; frames expected / delivered / missed, reconnect gaps, logins, requests), then the script
# prints pass or fail against the goals and exits 1 on a failure:
#   - RSS growth under 1 MiB from the baseline row (minute 10) to the end,
#   - every frame delivered (frames a reconnecting subscriber cannot get while away are counted
#     apart), no subscriber dropped, no reconnect failed, every login and request answered,
#   - no growth in open descriptors from the baseline row to the end (descriptors on files under
#     /proc are not counted: the collector holds each process's stat open, so their number
#     follows the processes on the host, not anything the server leaks).
#
# usage: scripts/soak.sh [--duration SECS] [--out DIR] [--subscribers N] [--reconnect N]
#                        [--reconnect-every SECS] [--login-rate N] [--http-rate N]
#                        [--sample-every SECS] [--baseline SECS] [--bins DIR]
#                        [--serve-args "ARGS"]
#   defaults: 3600 s, 1000 subscribers, 100 reconnecting every 60 s, 1 login/s, 10 GET /system/s,
#   a row every 30 s; the baseline is minute 10, or a sixth of the run when that is shorter.
#   --out DIR  keep soak.csv, report.json and the logs there (default: a new temp dir)
#   --bins DIR use DIR/psmonitor and DIR/psmonitor-load instead of building the release ones
#   --serve-args "ARGS"  more flags for `psmonitor serve`, e.g. "--history off"
# Smoke check: scripts/soak.sh --duration 180 --subscribers 100 --reconnect 10
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=3600
OUT=""
SUBSCRIBERS=1000
RECONNECT=100
RECONNECT_EVERY=60
LOGIN_RATE=1
HTTP_RATE=10
SAMPLE_EVERY=30
BASELINE=""
BINS=""
SERVE_ARGS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        --subscribers) SUBSCRIBERS="$2"; shift ;;
        --reconnect) RECONNECT="$2"; shift ;;
        --reconnect-every) RECONNECT_EVERY="$2"; shift ;;
        --login-rate) LOGIN_RATE="$2"; shift ;;
        --http-rate) HTTP_RATE="$2"; shift ;;
        --sample-every) SAMPLE_EVERY="$2"; shift ;;
        --baseline) BASELINE="$2"; shift ;;
        --bins) BINS="$2"; shift ;;
        --serve-args) SERVE_ARGS="$2"; shift ;;
        -h|--help) sed -n 2,24p "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
for v in "$DURATION" "$SUBSCRIBERS" "$RECONNECT" "$RECONNECT_EVERY" "$LOGIN_RATE" "$HTTP_RATE" \
         "$SAMPLE_EVERY" ${BASELINE:+"$BASELINE"}; do
    case "$v" in ''|*[!0-9]*) echo "not a whole number: $v" >&2; exit 2 ;; esac
done
if [ -z "$BASELINE" ]; then
    BASELINE=$(( DURATION / 6 < 600 ? DURATION / 6 : 600 ))
fi

ulimit -n "$(ulimit -Hn)"

if [ -n "$BINS" ]; then
    SERVER_BIN=$BINS/psmonitor
    LOAD_BIN=$BINS/psmonitor-load
else
    cargo build --release -p psmonitor-server -p psmonitor-load --bins
    SERVER_BIN=target/release/psmonitor
    LOAD_BIN=target/release/psmonitor-load
fi

WORK=$(mktemp -d -t psmonitor-soak.XXXXXX)
OUT=${OUT:-$WORK}
mkdir -p "$OUT"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK/data"
}
trap cleanup EXIT
PSMONITOR_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
export PSMONITOR_PASSWORD

# The first run creates the account (argon2) before any load starts.
"$SERVER_BIN" serve --address 127.0.0.1 --port 0 --data-dir "$WORK/data" \
    --max-connections $(( SUBSCRIBERS + 200 )) --log-level warn $SERVE_ARGS \
    > "$OUT/server.out" 2> "$OUT/server.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 300); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$OUT/server.out" | head -n 1 || true)
    if [ -n "$URL" ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    STATUS=running
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        STATUS=0
        wait "$SERVER_PID" || STATUS=$?
        SERVER_PID=""
    fi
    echo "the server did not start (exit status: $STATUS); its output:" >&2
    cat "$OUT/server.out" "$OUT/server.err" >&2
    exit 1
fi

{
    echo "started: $(date -u +%FT%TZ)"
    echo "server: $SERVER_BIN $SERVE_ARGS (pid $SERVER_PID, $URL, real host collector, fresh data dir)"
    echo "load: $LOAD_BIN --subscribers $SUBSCRIBERS --login-rate $LOGIN_RATE --http-rate $HTTP_RATE" \
         "--reconnect $RECONNECT --reconnect-every ${RECONNECT_EVERY}s --progress-every ${SAMPLE_EVERY}s" \
         "--duration ${DURATION}s"
    echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM, kernel $(uname -r)," \
         "load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/soak.txt" >&2

LOAD_RC=0
"$LOAD_BIN" --server "$URL" --server-pid "$SERVER_PID" \
    --subscribers "$SUBSCRIBERS" --login-rate "$LOGIN_RATE" --http-rate "$HTTP_RATE" \
    --reconnect "$RECONNECT" --reconnect-every "${RECONNECT_EVERY}s" \
    --progress "$OUT/soak.csv" --progress-every "${SAMPLE_EVERY}s" \
    --duration "${DURATION}s" --json > "$OUT/report.json" 2> "$OUT/load.err" || LOAD_RC=$?

# The server's memory map at the end, for a leak hunt.
cp "/proc/$SERVER_PID/status" "$OUT/server-status.txt" 2>/dev/null || true
cp "/proc/$SERVER_PID/smaps_rollup" "$OUT/server-smaps-rollup.txt" 2>/dev/null || true
SERVER_RC=0
if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || SERVER_RC=$?
else
    wait "$SERVER_PID" || SERVER_RC=$?
    echo "the server had exited (status $SERVER_RC) before the end" >&2
    if [ "$SERVER_RC" = 0 ]; then SERVER_RC=99; fi
fi
SERVER_PID=""
if [ "$LOAD_RC" != 0 ]; then
    echo "the load generator failed (status $LOAD_RC):" >&2
    cat "$OUT/load.err" >&2
fi

python3 - "$OUT" "$BASELINE" "$LOAD_RC" "$SERVER_RC" <<'EOF' | tee -a "$OUT/soak.txt"
import csv, json, sys, os
out, baseline, load_rc, server_rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(os.path.join(out, "soak.csv")) as f:
    rows = list(csv.DictReader(f))
try:
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
except (OSError, ValueError):
    report = None
if not rows:
    print("FAIL: no progress rows were written")
    sys.exit(1)
num = lambda r, k: float(r[k]) if r[k] != "" else None
first, last = rows[0], rows[-1]
# The baseline: the first row at or after the baseline time.
base = next((r for r in rows if float(r["elapsed_s"]) >= baseline - 1), last)
cpu = [num(r, "cpu_percent") for r in rows if r["cpu_percent"] != ""]
results = []
def goal(name, ok, figure):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {figure}")

print(f"rows: {len(rows)}; start, baseline at {base['elapsed_s']} s, end at {last['elapsed_s']} s")
print(f"RSS KiB: start {first['rss_kib']}, baseline {base['rss_kib']}, end {last['rss_kib']}, "
      f"max {max(int(r['rss_kib']) for r in rows)}")
print(f"open fds: start {first['fds']}, baseline {base['fds']}, end {last['fds']}, "
      f"max {max(int(r['fds']) for r in rows)}")
if cpu:
    print(f"server CPU, % of one core: mean {sum(cpu) / len(cpu):.2f}, max {max(cpu):.2f}")
growth = int(last["rss_kib"]) - int(base["rss_kib"])
goal("RSS growth from the baseline to the end under 1 MiB", growth < 1024, f"{growth:+d} KiB")
# A login, a session renewal or a reconnect may hold a descriptor for a moment at any row:
# compare the fewest of three rows at each end, so only growth that stays counts.
i = rows.index(base)
fds_base = min(int(r["fds"]) for r in rows[i:i + 3])
fds_end = min(int(r["fds"]) for r in rows[max(i, len(rows) - 3):])
fd_growth = fds_end - fds_base
goal("no growth in open fds from the baseline to the end", fd_growth <= 0,
     f"{fd_growth:+d} (fewest of three rows: {fds_base} at the baseline, {fds_end} at the end)")
if report is None:
    goal("the load generator finished with a report", False, f"exit status {load_rc}")
else:
    fr, rc = report["frames"], report.get("reconnects") or {}
    n, want = report["subscribers_connected"], report["subscribers_requested"]
    goal("every subscriber connected", n == want, f"{n} of {want}, ramp {report['ramp_secs']:.1f} s")
    delivered = fr["mean"] * n
    goal("every frame delivered", fr["missed"] == 0,
         f"{delivered:.0f} delivered over {fr['ticks']} ticks, {fr['missed']} missed "
         f"({fr['subscribers_missing']} subscribers missed any); per subscriber min {fr['min']} / "
         f"mean {fr['mean']:.2f} / max {fr['max']}; "
         f"{rc.get('gap_frames', 0)} frames fell in reconnect gaps (expected)")
    goal("no subscriber dropped by the server", report["subscribers_dropped"] == 0,
         f"{report['subscribers_dropped']}")
    goal("every reconnect succeeded", rc.get("failed", 0) == 0,
         f"{rc.get('done', 0)} done, {rc.get('failed', 0)} failed")
    for key, name in (("login", "logins"), ("system", "GET /system")):
        s = report.get(key)
        if s:
            goal(f"{name} all answered", s["errors"] == 0,
                 f"{s['ok']} ok ({s['rate']:.2f}/s), {s['errors']} errors, {s['skipped']} skipped; "
                 f"p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms, max {s['max_ms']:.1f} ms"
                 + (f"; first error: {s['first_error']}" if s.get("first_error") else ""))
    lg = report.get("load_generator") or {}
    print(f"load generator: CPU {lg.get('cpu_percent', 0):.2f} % of one core, "
          f"peak RSS {lg.get('peak_rss_mib', 0):.1f} MiB")
goal("the server ran to the end and stopped cleanly on SIGTERM", server_rc == 0, f"exit status {server_rc}")
print("SOAK " + ("PASSED" if all(results) else "FAILED") + f" (results in {out})")
sys.exit(0 if all(results) else 1)
EOF
