#!/usr/bin/env bash
# Runs one fuzz target for at most 10 million executions or 30 minutes (override with RUNS and
# SECS), starting from its committed corpus copied into its working corpus fuzz/work/<target>/,
# where what it finds stays. fuzz/minimise.sh <target> then picks the inputs that add coverage
# back into fuzz/corpus/<target>/. Crashes land in fuzz/artifacts/<target>/. Needs the nightly
# toolchain and cargo-fuzz. Usage: fuzz/run.sh <target> [log file]
set -euo pipefail
target=$1
log=${2:-/dev/stdout}
cd "$(dirname "$0")"
runs=${RUNS:-10000000}
secs=${SECS:-1800}
mkdir -p "work/$target"
cp -n "corpus/$target"/* "work/$target/" 2>/dev/null || true
# No sanitizer: the targets are safe Rust (ASan adds nothing but cost there); debug assertions
# on, so integer overflow panics.
cargo +nightly fuzz run -s none -a "$target" "work/$target" -- \
    -max_total_time="$secs" -runs="$runs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    >"$log" 2>&1
