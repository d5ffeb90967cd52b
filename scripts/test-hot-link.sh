#!/usr/bin/env bash
# Checks scripts/hot-link.sh, the linker wrapper that puts the release server's hot code first:
# links a small C program as `.../release/deps/psmonitor-<hash>` with rustc's lld and a list of
# "hot" functions, and checks with `nm -n` that the listed ones come first, that a listed symbol
# whose rustc hash changed is still found by its name, that a debug-path link is left unordered,
# and that the program runs. Needs cc, nm and a rustup toolchain (its lld). Takes a second.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "test-hot-link: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc_ld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/gcc-ld"
[ -x "$gcc_ld/ld.lld" ] || fail "no rust-lld at $gcc_ld"

# Four functions; two of them carry a legacy Rust symbol name with a hash.
cat > "$work/prog.c" <<'C'
#include <stdio.h>
#define BODY(x) { volatile int v = x; for (int i = 0; i < 10; i++) v = v * 3 + i; return v; }
__attribute__((noinline)) int cold_a(void) BODY(1)
__attribute__((noinline)) int hot_b(void) BODY(2)
__attribute__((noinline)) int cold_c(void) __asm__("_ZN4demo6cold_c17h1111111111111111E");
__attribute__((noinline)) int cold_c(void) BODY(3)
__attribute__((noinline)) int hot_d(void) __asm__("_ZN4demo5hot_d17h2222222222222222E");
__attribute__((noinline)) int hot_d(void) BODY(4)
int main(void) { printf("%d\n", cold_a() + hot_b() + cold_c() + hot_d() > 0); return 0; }
C
cc -O1 -ffunction-sections -c "$work/prog.c" -o "$work/prog.o"
# hot_d is listed with another hash, as after a toolchain update.
printf '%s\n' '# test list' hot_b '_ZN4demo5hot_d17h9999999999999999E' > "$work/hot.txt"

link() { # link OUT: through the wrapper, as rustc calls it
    mkdir -p "$(dirname "$1")"
    PSMONITOR_HOT_CODE="$work/hot.txt" scripts/hot-link.sh -m64 "$work/prog.o" \
        "-B$gcc_ld" -fuse-ld=lld -pie -o "$1"
}
# position SYMBOL BINARY: its rank in address order
position() { nm -n "$2" | awk -v s="$1" '$3 == s {print NR}'; }

rel=$work/release/deps/psmonitor-0123456789abcdef
link "$rel"
[ "$("$rel")" = 1 ] || fail "the ordered program does not run"
[ -f "$rel.hot-order" ] || fail "no ordering file next to a release psmonitor"
for hot in hot_b _ZN4demo5hot_d17h2222222222222222E; do
    for cold in cold_a _ZN4demo6cold_c17h1111111111111111E; do
        [ "$(position "$hot" "$rel")" -lt "$(position "$cold" "$rel")" ] ||
            fail "$hot does not come before $cold: $(nm -n "$rel" | grep -E 'hot|cold')"
    done
done

dbg=$work/debug/deps/psmonitor-0123456789abcdef
link "$dbg"
[ ! -e "$dbg.hot-order" ] || fail "a debug link was ordered"
[ "$("$dbg")" = 1 ] || fail "the debug program does not run"
[ "$(position cold_a "$dbg")" -lt "$(position hot_b "$dbg")" ] ||
    fail "the debug link is not in source order"
echo "test-hot-link: ok"
