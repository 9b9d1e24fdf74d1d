#!/bin/sh
# The Debian package build (docs/packaging.md), with and without the unit
# tests, from a copy of the tree; and the xlsx export and import of the
# bundled example. usage: bench/package.sh BUILD_DIR
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for opts in "nocheck parallel=2" "parallel=2"; do
	rm -rf "$tmp/src" && mkdir -p "$tmp/src"
	(cd "$root" && git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$tmp/src")
	start=$(date +%s.%N)
	(cd "$tmp/src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b >"$tmp/log" 2>&1)
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" -v o="$opts" 'BEGIN { printf "dpkg-buildpackage (%s): %.0f s\n", o, b - a }'
done
sg="$root/$build/saasguard"
start=$(date +%s.%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$sg" assess "$root/examples/payroll-cloud.yaml" --format xlsx --output "$tmp/a.xlsx" || true
done
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" 'BEGIN { printf "assess --format xlsx: %.0f ms per run\n", (b - a) * 100 }'
start=$(date +%s.%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$sg" import "$tmp/a.xlsx" --output "$tmp/p.yaml" --force 2>/dev/null
done
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" 'BEGIN { printf "import (xlsx): %.0f ms per run\n", (b - a) * 100 }'
