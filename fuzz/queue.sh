#!/usr/bin/env bash
# Runs fuzz targets one after another (fuzz/run.sh each), logging to /work/notes/fuzz-<t>.log
# (or $LOGDIR) and each exit status to $LOGDIR/fuzz-status.txt. Usage: fuzz/queue.sh t1 t2 ...
cd "$(dirname "$0")"
logs=${LOGDIR:-/work/notes}
for t in "$@"; do
    start=$(date -u +%FT%TZ)
    ./run.sh "$t" "$logs/fuzz-$t.log"
    echo "$t exit=$? start=$start end=$(date -u +%FT%TZ)" >> "$logs/fuzz-status.txt"
done
