#!/usr/bin/env bash
# Checks the two Debian packages scripts/package.sh built, as CI does (scripts/package.sh --check):
# lintian with no error, desktop-file-validate and appstreamcli clean, then installs the server
# package with dpkg, runs `psmonitor --version` and `psmonitor serve` from it on a temp data dir
# (a free port on 127.0.0.1; checks it answers a login and /system), and removes it again.
#   scripts/package-check.sh target/debian/psmonitor_*.deb target/debian/psmonitor-desktop_*.deb
set -euo pipefail
server_deb=$1
desktop_deb=$2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
fail() { echo "package-check: $*" >&2; exit 1; }

# Errors fail; warnings and infos are shown (e.g. no man page: `psmonitor --help` documents it).
lintian --fail-on error --no-tag-display-limit "$server_deb" "$desktop_deb"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The desktop entry and metainfo exactly as the package installs them.
dpkg-deb -x "$desktop_deb" "$work/desktop"
desktop-file-validate "$work/desktop/usr/share/applications/io.github.psmonitor.PSMonitor.desktop"
appstreamcli validate --no-net "$work/desktop/usr/share/metainfo/io.github.psmonitor.PSMonitor.metainfo.xml"
[ -f "$work/desktop/usr/share/icons/hicolor/scalable/apps/io.github.psmonitor.PSMonitor.svg" ] ||
  fail "the desktop package has no hicolor icon"
[ -x "$work/desktop/usr/bin/psmonitor-gtk" ] || fail "the desktop package has no /usr/bin/psmonitor-gtk"

if dpkg -s psmonitor >/dev/null 2>&1; then
  fail "a psmonitor package is already installed here; not replacing it"
fi
$SUDO dpkg -i "$server_deb"
[ -f /usr/lib/systemd/system/psmonitor.service ] || fail "no psmonitor.service installed"
grep -qx 'ExecStart=/usr/bin/psmonitor serve' /usr/lib/systemd/system/psmonitor.service ||
  fail "the unit does not run /usr/bin/psmonitor"
version=$(/usr/bin/psmonitor --version)
echo "package-check: installed $version"
/usr/bin/psmonitor --help | grep -q 'Exit status' || fail "--help does not document the exit codes"

# serve from the package: a temp data dir, port 0 (the server prints the port it got).
export PSMONITOR_PASSWORD="package-check-$RANDOM$RANDOM"
mkdir -m 0700 "$work/data"
/usr/bin/psmonitor serve --data-dir "$work/data" --port 0 --history off >"$work/out" 2>"$work/err" &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/out")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/err" >&2; fail "serve exited early"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/err" >&2; fail "serve printed no address"; }
if grep -q "$PSMONITOR_PASSWORD" "$work/out" "$work/err"; then
  fail "serve printed the password chosen with PSMONITOR_PASSWORD"
fi
/usr/bin/psmonitor get system --server "$url" >"$work/system" ||
  { cat "$work/err" >&2; fail "the packaged server did not answer get system"; }
grep -q '^CPU' "$work/system" || fail "get system printed no CPU line: $(cat "$work/system")"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""

$SUDO dpkg -r psmonitor
[ ! -e /usr/bin/psmonitor ] || fail "dpkg -r left /usr/bin/psmonitor behind"
[ ! -e /usr/lib/systemd/system/psmonitor.service ] || fail "dpkg -r left the unit behind"
dpkg -s psmonitor 2>/dev/null | grep -q '^Status: install ok installed' && fail "psmonitor still installed"
echo "package-check: lintian, desktop-file-validate, appstreamcli, install, serve and remove passed"
