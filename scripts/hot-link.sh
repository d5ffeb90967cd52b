#!/bin/sh
# The linker for this repository's builds (`.cargo/config.toml`, `[target.*] linker`): runs `cc`
# with rustc's arguments unchanged, except when it links the `psmonitor` binary with lld (rustc's
# default linker on x86_64 Linux). Then it first writes a symbol ordering file so that the code
# the server runs (at start, idle, streaming to a subscriber, answering requests) lies together at
# the front of `.text`, and everything it never runs in those (the command-line client, the
# keyring's first-run paths, certificate generation, TLS when it is off, error paths...) behind it.
#
# Why: the kernel maps a binary's code in 64 KiB windows around each page that runs (fault-around),
# so with the hot functions spread over the whole `.text`, nearly all of it became resident.
# Grouped, the idle server keeps about 1.6 MiB of code resident instead of 4.7 MiB (issue 23).
# Nothing else changes: the same code, the same size, only its order in the file.
#
# The list, `.cargo/hot-code.txt`, holds the symbols of the functions a profiled run executed
# (scripts/hot-code.sh writes it). Symbols carry per-build hashes; a listed one this build lacks
# (after a toolchain or dependency update) is matched by its name without them, which takes in
# every instance of a generic function: coarser, but it keeps working. A function added later and
# missing from the list still works; it only lies in the cold part.
set -eu

out=""
lld=0
prev=""
for arg in "$@"; do
    [ "$prev" = "-o" ] && out=$arg
    [ "$arg" = "-fuse-ld=lld" ] && lld=1
    prev=$arg
done

# PSMONITOR_HOT_CODE names another list (scripts/test-hot-link.sh uses it).
list=${PSMONITOR_HOT_CODE:-"$(dirname "$0")/../.cargo/hot-code.txt"}
# Only the server binary, and not in debug builds (whose memory nobody measures).
case "$out" in
    */debug/deps/*) exec cc "$@" ;;
esac
case "$(basename "$out")" in
    psmonitor-*) ;;
    *) exec cc "$@" ;;
esac
if [ "$lld" = 0 ] || [ ! -f "$list" ]; then
    exec cc "$@"
fi

order="$out.hot-order"
# The objects rustc passes (with fat LTO: the whole Rust program in one object) and the archives
# (SQLite and aws-lc come in rlibs), whose members nm lists.
objs=""
for arg in "$@"; do
    case "$arg" in
        *.o | *.a | *.rlib) [ -f "$arg" ] && objs="$objs $arg" ;;
    esac
done
# shellcheck disable=SC2086 # word splitting of the object list is meant
order_symbols() { nm --defined-only $objs 2>/dev/null | awk -v list="$list" '
    function key(s) {
        sub(/\.[0-9]+$/, "", s)                # numbered local copies (LLVM, GCC)
        sub(/17h[0-9a-f]+E$/, "E", s)          # legacy mangling: the hash before the end
        gsub(/Cs[0-9A-Za-z]+_/, "Cs_", s)      # v0 mangling: crate disambiguators
        gsub(/B[0-9A-Za-z]*_/, "B_", s)        # v0 back-references (offsets move with them)
        return s
    }
    BEGIN {
        while ((getline line < list) > 0)
            if (line !~ /^#/ && line != "") { exact[line] = 1; want[key(line)]++ }
    }
    $2 ~ /^[tTwW]$/ && !($3 in seen) {
        seen[$3] = 1
        if ($3 in exact) { print $3; found[key($3)]++ } else other[++n] = $3
    }
    # Listed names this build does not have (the list is older than the toolchain, a dependency
    # or the code): take every function of that name, whatever its hash or number.
    END {
        for (i = 1; i <= n; i++) {
            k = key(other[i])
            if ((k in want) && found[k] < want[k]) print other[i]
        }
    }
'; }
# Ordering is an optimisation: should making the file fail, link as rustc asked.
order_symbols > "$order" || exec cc "$@"
exec cc "$@" "-Wl,--symbol-ordering-file=$order" -Wl,--no-warn-symbol-ordering
