#!/usr/bin/env bash
# Runs fuzz targets one after another (fuzz/run.sh each), logging to /work/notes/fuzz-<t>.log
# (or $LOGDIR) and each exit status to $LOGDIR/fuzz-status.txt. An item `target:secs` caps that
# target's time (default 1800 s). Usage: fuzz/queue.sh t1 t2:600 ...
cd "$(dirname "$0")"
logs=${LOGDIR:-/work/notes}
for item in "$@"; do
    t=${item%%:*}
    secs=1800
    [[ $item == *:* ]] && secs=${item#*:}
    start=$(date -u +%FT%TZ)
    SECS=$secs ./run.sh "$t" "$logs/fuzz-$t.log"
    echo "$t exit=$? start=$start end=$(date -u +%FT%TZ)" >> "$logs/fuzz-status.txt"
done
