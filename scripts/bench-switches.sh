#!/usr/bin/env bash
# Context switches per `GET /system`, summed over every thread of the server: a figure that a
# noisy machine does not move, where latency percentiles wander by 50 µs from run to run. Each
# request a thread has to be woken for costs two switches (its sleep and its wake) and, on a VM,
# tens of µs; issue 19's latency went into such wakes.
#
# usage: scripts/bench-switches.sh DIR [DIR ...]
#   DIR  a directory holding release builds of `psmonitor` and `psmonitor-load`
#
# For each DIR: a fresh server (history on, the real host), 500 authenticated `GET /system` at
# 50 a second from psmonitor-load, then 10 s of the same server idle; the idle switches are
# taken off the loaded ones before dividing by 500.
set -euo pipefail
[ $# -gt 0 ] || { sed -n 7,8p "$0" >&2; exit 2; }

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
bench_init switches

# switches PID: voluntary and involuntary context switches of every thread of PID so far.
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }

for dir in "$@"; do
    serve "$dir/psmonitor"
    sleep 2
    a=$(switches "$PID")
    "$dir/psmonitor-load" --server "$URL" --subscribers 0 --http-rate 50 --duration 10s \
        --json > "$WORK/load.json"
    b=$(switches "$PID")
    sleep 0.5
    c=$(switches "$PID")
    sleep 10
    d=$(switches "$PID")
    stop "$PID"
    echo "$dir: $(( ((b - a) - (d - c)) * 100 / 500 )) switches per 100 requests (idle: $(( d - c )) in 10 s)"
done
