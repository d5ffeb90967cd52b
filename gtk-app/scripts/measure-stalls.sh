#!/usr/bin/env bash
# The longest main-loop stall of psmonitor-gtk (the UI budget is 16 ms): runs a binary under Xvfb
# on the real host with PSMONITOR_STALLS=1 (a 5 ms timer on the main loop logs, every 10 s, how
# late its latest tick came at worst), a new data dir and no keyring, then prints the first 10 s
# (window built, embedded server started, account made, first login, first frames) and the worst
# of the later 10 s windows (steady refreshes: a `/proc` read every 2 s on the Processes page).
# Each as the longest stall (how late the timer came: what the user sees, including time the
# thread waited for a core on a loaded machine) and the longest busy stretch (the main thread's
# own CPU time between two ticks: the work the app did in one go).
#
# usage: gtk-app/scripts/measure-stalls.sh [binary] [page] [seconds]
#   binary: default target/release/psmonitor-gtk; page: processes (default) or resources;
#   seconds: how long it runs (default 63: the first window and five more)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/psmonitor-gtk}
page=${2:-processes}
secs=${3:-63}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
# No session bus: the keyring cannot be asked and a second instance is not looked for.
PSMONITOR_DATA_DIR="$data" PSMONITOR_LOG=warn PSMONITOR_STALLS=1 PSMONITOR_PAGE="$page" \
  DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus \
  timeout "$secs" xvfb-run -a -s "-screen 0 1280x1024x24" "$bin" >"$data/out.log" 2>&1 || true
grep -o 'longest stall [0-9.]* ms in the last.*busiest [0-9.]* ms in the last' "$data/out.log" |
  awk -v page="$page" -v bin="$bin" '
  { wall = $3 + 0; for (i = 1; i < NF; i++) if ($i == "busiest") busy = $(i + 1) + 0
    n++
    if (n == 1) { wall1 = wall; busy1 = busy }
    else { if (wall > wall2) wall2 = wall; if (busy > busy2) busy2 = busy } }
  END {
    if (n == 0) { print "no stall report: did it start?"; exit 1 }
    printf "%s, %s page: first 10 s: stall %.1f ms, busy %.1f ms; later (%d x 10 s) at worst: stall %.1f ms, busy %.1f ms\n", bin, page, wall1, busy1, n - 1, wall2, busy2
  }'
