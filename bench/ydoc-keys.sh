#!/bin/sh
# The YAML reader's duplicate-key check on one map with many keys (issue 16:
# quadratic before, 40,000 keys took 4.9 s). A profile whose `controls:` map
# holds N keys; the run ends with "unknown control" after the whole file is
# read, so the time is the parse and the key checks.
# usage: bench/ydoc-keys.sh BUILD_DIR [N ...]
set -eu
build=${1:-build}
shift || true
sg=$(cd "$build" && pwd)/saasguard
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for n in ${@:-40000 200000 1000000}; do
	/usr/bin/python3 - "$dir/keys.yaml" "$n" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("service: {name: keys, pattern: 1}\ncontrols:\n")
    for i in range(n):
        f.write(f"  X.{i}: {{status: implemented}}\n")
PY
	/usr/bin/time -f "$n keys: %e s, max RSS %M KB" "$sg" assess "$dir/keys.yaml" \
		>/dev/null 2>"$dir/err" || true
	tail -1 "$dir/err"
done
