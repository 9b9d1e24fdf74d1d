#!/bin/sh
# `make bench`: runs every benchmark under bench/ against a build: each
# bench/*.sh and each bench/*/run.sh.
# usage: bench/run.sh BUILD_DIR
set -eu
build=${1:-build}
dir=$(dirname "$0")
for b in "$dir"/*.sh "$dir"/*/run.sh; do
	[ -f "$b" ] || continue
	[ "$b" = "$dir/run.sh" ] && continue
	echo "== $b"
	sh "$b" "$build"
done
