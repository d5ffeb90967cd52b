#!/usr/bin/env bash
# Idle CPU and memory of psmonitor-gtk: starts the release binary under Xvfb on the real host
# (the embedded server samples at 1 Hz and the main window shows every sample), lets it settle,
# then reads utime+stime and VmRSS from /proc over SECONDS_TO_MEASURE seconds.
#
# usage: [BIN=path/to/psmonitor-gtk] gtk-app/scripts/measure-idle.sh [seconds] [page]
#   (default target/release/psmonitor-gtk, 60 s, resources; needs xvfb-run)
#   page: resources (the sidebar and the CPU page) or processes (every process of this computer)
# The release build uses the workspace profile (fat LTO); on a busy machine
# CARGO_PROFILE_RELEASE_LTO=off builds faster (a slightly larger binary, so a slightly larger RSS).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
page=${2:-resources}
bin=${BIN:-target/release/psmonitor-gtk}
[ -x "$bin" ] || cargo build -p psmonitor-gtk --release
data=$(mktemp -d)
# The app first: xvfb-run then stops its X server (killing xvfb-run alone left both running).
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$data"' EXIT
# A free port and a known password so the run touches neither port 4500 nor the keyring.
PSMONITOR_DATA_DIR="$data" PSMONITOR_PASSWORD=measure-idle PSMONITOR_LOG=warn PSMONITOR_PAGE="$page" \
  xvfb-run -a -s "-screen 0 1280x1024x24" "$bin" >"$data/out.log" 2>&1 &
xpid=$!
for _ in $(seq 100); do
  pid=$(pgrep -n -P "$xpid" -x psmonitor-gtk || true)
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { echo "psmonitor-gtk did not start" >&2; cat "$data/out.log" >&2; exit 1; }
sleep 10 # start-up: account creation, first frames, window mapped
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep "$secs"
t1=$(ticks); s1=$(date +%s.%N)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
awk -v page="$page" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v rss="$(rss)" -v peak="$peak" 'BEGIN {
  cpu = (t1 - t0) / hz / (s1 - s0) * 100
  printf "idle over %.0f s on the %s page: CPU %.2f %% of one core, RSS %.1f MiB (peak %.1f MiB)\n", s1 - s0, page, cpu, rss / 1024, peak / 1024
}'
