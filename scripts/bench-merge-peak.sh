#!/usr/bin/env bash
# Memory of one hourly history compaction: an hour of 10-second chunks merged into one chunk,
# the plain way (every chunk decoded, merged, encoded) against a column at a time (what the
# store does since issue 23's session 6). Each run is its own process; see
# adapters/history/examples/merge_peak.rs for what is measured.
#
# usage: scripts/bench-merge-peak.sh [SERIES ...]   (default: 18 40; the soak's host has 18)
#
# "after a big free" first frees a touched 19 MiB buffer, as the server's first-run account hash
# did until issue 23's session 6: glibc then serves the merge's large buffers from the heap and
# keeps them once freed. "after the first run" runs that hash as the server does it now.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 18 40
cargo build --release --quiet -p psmonitor-history --example merge_peak
bin=${CARGO_TARGET_DIR:-target}/release/examples/merge_peak
for series in "$@"; do
    for way in plain stored; do
        echo "fresh process:      $("$bin" "$way" "$series")"
        echo "after a big free:   $("$bin" "$way" "$series" --after-big-free)"
        echo "after the first run: $("$bin" "$way" "$series" --after-first-run)"
    done
done
