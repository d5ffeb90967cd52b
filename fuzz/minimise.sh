#!/usr/bin/env bash
# Replaces fuzz/corpus/<target>/ with a small corpus: the seeds (fuzz/seeds/<target>/, from
# `cargo run -p psmonitor-fuzz-bodies --example seeds`), plus the inputs of the working corpus
# fuzz/work/<target>/ that add edges to them, picked by libFuzzer's greedy set cover on edges
# only (-set_cover_merge=1 -use_counters=0; `cargo fuzz cmin` keeps every hit-count bucket of
# every edge, far more files). MAX_BYTES=N leaves out working inputs longer than N bytes.
# Needs the target built (fuzz/run.sh or cargo +nightly fuzz build -s none -a).
# Usage: [MAX_BYTES=N] fuzz/minimise.sh <target>
set -euo pipefail
target=$1
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release/$target
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out" "$tmp/candidates"
cp "seeds/$target"/* "$tmp/out/"
find "work/$target" -type f ${MAX_BYTES:+-size -$((MAX_BYTES + 1))c} -exec cp {} "$tmp/candidates/" \;
"$bin" -set_cover_merge=1 -use_counters=0 "$tmp/out" "$tmp/candidates" 2>&1 |
    grep '^MERGE-OUTER: [0-9]* new'
rm -rf "corpus/$target"
cp -r "$tmp/out" "corpus/$target"
echo "$target: $(ls "corpus/$target" | wc -l) files, $(du -sb "corpus/$target" | cut -f1) bytes"
