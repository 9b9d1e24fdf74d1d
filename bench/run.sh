#!/bin/sh
# `make bench`: runs every benchmark script in bench/ against a build.
# usage: bench/run.sh BUILD_DIR
set -eu
build=${1:-build}
for b in "$(dirname "$0")"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b")"
	sh "$b" "$build"
done
