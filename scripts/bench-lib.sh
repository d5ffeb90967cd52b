# Shared by the bench scripts (sourced, not run): a work directory removed on exit with every
# process in PIDS stopped, a random password, and starting a server and waiting for its URL.

# bench_init NAME: sets WORK (a temporary directory) and PIDS, exports PSMONITOR_PASSWORD, and
# cleans up on exit.
bench_init() {
    WORK=$(mktemp -d -t "psmonitor-$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
    PSMONITOR_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    export PSMONITOR_PASSWORD
}

bench_cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}

# wait_url FILE [TENTHS]: waits up to TENTHS tenths of a second (default 300) for the URL a
# server prints to FILE; sets URL and FINGERPRINT (TLS); false if none came.
wait_url() {
    local i
    for i in $(seq 1 "${2:-300}"); do
        URL=$(grep -so 'https\?://127\.0\.0\.1:[0-9]*' "$1" | head -n 1 || true)
        FINGERPRINT=$(sed -n 's/.*certificate fingerprint \([0-9A-F:]*\)).*/\1/p' "$1" 2>/dev/null | head -n 1)
        [ -n "$URL" ] && return 0
        sleep 0.1
    done
    return 1
}

# serve BIN [ARGS...]: psmonitor on a free port with its own data dir under WORK; sets PID,
# URL, FINGERPRINT and DATA. A server that does not start ends the script with its errors.
serve() {
    local bin=$1; shift
    DATA=$(mktemp -d -p "$WORK")
    : > "$DATA/out"
    "$bin" serve --address 127.0.0.1 --port 0 --data-dir "$DATA" --log-level warn "$@" \
        > "$DATA/out" 2> "$DATA/err" &
    PID=$!
    PIDS+=("$PID")
    if ! wait_url "$DATA/out"; then
        echo "$bin did not start:" >&2
        cat "$DATA/err" >&2
        exit 1
    fi
}

# load_subscribers DIR URL N SECONDS OUT: N websocket subscribers from DIR/psmonitor-load for
# SECONDS in the background (nothing when N is 0); its JSON report goes to OUT.json.
load_subscribers() {
    [ "$3" -gt 0 ] || return 0
    "$1/psmonitor-load" --server "$2" --subscribers "$3" --http-rate 0 \
        --duration "$4s" --json > "$5.json" 2> "$5.err" &
    PIDS+=("$!")
}

# stop PID: SIGTERM, then waits for it.
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# rss_kib PID: its VmRSS in KiB.
rss_kib() { awk '/^VmRSS/ {print $2}' /proc/"$1"/status; }

# anon_kib PID: the anonymous part of PID's resident memory (RssAnon, KiB): the heap and stacks,
# without the binary's code and data pages that are mapped in as they are first run.
anon_kib() { awk '/^RssAnon/ {print $2}' /proc/"$1"/status; }

# cpu_ns PID: nanoseconds of CPU used so far by every thread of PID.
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'
}
