#!/usr/bin/env bash
# Builds the Debian packages with cargo-deb into target/debian/:
#   psmonitor_<version>_<arch>.deb          /usr/bin/psmonitor and its systemd unit
#   psmonitor-desktop_<version>_<arch>.deb  /usr/bin/psmonitor-gtk, desktop entry, icon, metainfo
# Installs the pinned cargo-deb first when it is missing (it is not in Debian).
#
#   scripts/package.sh           release build (fat LTO, as shipped)
#   scripts/package.sh --fast    quicker build for CI: the dev profile, light compression
#   scripts/package.sh --check   then lint the packages (lintian, desktop-file-validate,
#                                appstreamcli) and install, run and remove the server package
#                                (needs root, or sudo; on a machine where removing it is fine)
# The desktop package needs the GTK 4 headers (libgtk-4-dev) to build.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0
fast=0
check=0
for arg in "$@"; do
  case "$arg" in
    --fast) fast=1 ;;
    --check) check=1 ;;
    *) echo "usage: scripts/package.sh [--fast] [--check]" >&2; exit 2 ;;
  esac
done

if ! cargo deb --version 2>/dev/null | grep -qx "cargo-deb $CARGO_DEB_VERSION"; then
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked
fi

deb_flags=()
if [ "$fast" = 1 ]; then
  # The dev profile (argon2 and blake2 keep opt-level 3 from [profile.dev.package.*]): after the
  # test suite it reuses the debug build's dependencies, so CI adds seconds, not a second build
  # of the whole tree. cargo-deb strips the binaries; they behave the same, only slower, and CI
  # only lints, installs and smoke-tests them. --strip: cargo-deb keeps the debug info of a
  # profile it reads as asking for some (CARGO_PROFILE_DEV_DEBUG=line-tables-only, say), and
  # lintian refuses an unstripped binary.
  deb_flags+=(--profile dev --fast --strip)
fi
out=${CARGO_TARGET_DIR:-target}/debian
rm -f "$out"/psmonitor_*.deb "$out"/psmonitor-desktop_*.deb
cargo deb -p psmonitor-server "${deb_flags[@]}"
cargo deb -p psmonitor-gtk "${deb_flags[@]}"
server_deb=$(ls "$out"/psmonitor_*.deb)
desktop_deb=$(ls "$out"/psmonitor-desktop_*.deb)
echo "package: built $server_deb and $desktop_deb"
[ "$check" = 1 ] || exit 0

exec scripts/package-check.sh "$server_deb" "$desktop_deb"
