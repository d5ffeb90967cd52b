#!/usr/bin/env bash
# Checks that the server (`psmonitor`, with every crate it uses) compiles for Windows
# (x86_64-pc-windows-gnu). rustup cannot fetch another target's standard library here, so this
# uses Debian's rustc-web with its standard library source (`-Zbuild-std`, allowed on a stable
# compiler by RUSTC_BOOTSTRAP), and MinGW plus NASM for the C inside aws-lc-sys and SQLite.
# `cargo check` type-checks everything and runs the build scripts; it does not link.
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

# Debian's cargo and rustc by full path: the rustup proxies earlier on PATH have no Windows std.
RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/windows-check" \
  /usr/bin/cargo check -Zbuild-std=std,panic_abort --target x86_64-pc-windows-gnu \
  -p psmonitor-server --bins
echo "windows check: the server compiles for x86_64-pc-windows-gnu"
