#!/usr/bin/env bash
# The host gcc standing in for another target's C compiler during `cargo check`, whose C objects
# are never linked (scripts/check-platforms.sh macos): drops Apple-only flags and asks glibc for
# the POSIX types aws-lc expects on that target.
args=()
skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    -arch|-isysroot) skip=1 ;;
    -mmacosx-version-min=*|-mmacos-version-min=*|--target=*) ;;
    *) args+=("$a") ;;
  esac
done
exec gcc -D_GNU_SOURCE "${args[@]}"
