#!/bin/sh
# `make bench`: runs every bench/*.sh with the build directory.
set -eu
build=${1:-build}
for b in "$(dirname "$0")"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "### $b"
	"$b" "$build"
done
