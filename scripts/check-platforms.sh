#!/usr/bin/env bash
# Checks that the server (`psmonitor`, with every crate it uses) compiles for other platforms:
#   scripts/check-platforms.sh [windows] [macos]      (default: windows, which CI runs)
# rustup cannot fetch another target's standard library here, so this uses Debian's rustc-web
# with its standard library source (`-Zbuild-std`, allowed on a stable compiler by
# RUSTC_BOOTSTRAP). `cargo check` type-checks every crate and runs the build scripts; it does not
# link. Windows: MinGW and NASM compile the C inside aws-lc-sys and SQLite. macOS: there is no
# Apple SDK here, so that C is compiled by the host gcc through scripts/cc-for-check.sh (its
# objects are never used); the Rust is checked against the real x86_64-apple-darwin target.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
for pkg in rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 nasm; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y "${missing[@]}"
fi

check() {
  local target=$1
  shift
  # Debian's cargo and rustc by full path: the rustup proxies earlier on PATH have no other std.
  env "$@" RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/platform-check" \
    /usr/bin/cargo check -Zbuild-std=std,panic_abort --target "$target" -p psmonitor-server --bins
  echo "platform check: the server compiles for $target"
}

for platform in "${@:-windows}"; do
  case "$platform" in
    windows) check x86_64-pc-windows-gnu ;;
    macos) check x86_64-apple-darwin CC="$PWD/scripts/cc-for-check.sh" AR=ar ;;
    *) echo "check-platforms: unknown platform '$platform' (windows, macos)" >&2; exit 2 ;;
  esac
done
