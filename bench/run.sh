#!/bin/sh
# `make bench`: runs every benchmark script under bench/ against the build in $1.
set -eu
build=${1:-build}
dir=$(dirname "$0")
for b in "$dir"/*/run.sh; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b" "$build"
done
