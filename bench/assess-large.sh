#!/bin/sh
# The assessment of a 10 MB profile (one control with ~91,000 evidence
# entries), in every output format: wall time and peak memory.
# usage: bench/assess-large.sh BUILD_DIR
set -eu
build=${1:-build}
sg=$(cd "$build" && pwd)/saasguard
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir/big.yaml" <<'PY'
import sys
lines = ["service: {name: 大きな台帳, pattern: 1}", "controls:", "  II.1.1.1:",
         "    status: implemented", "    evidence:"]
n = size = 0
while size < 10 * 1024 * 1024:
    l = (f"      - {{title: 証跡 {n} 監視記録, path: evidence/{n:07d}.pdf, "
         f"collected: 2026-01-01, expires: 2030-01-01}}")
    lines.append(l)
    size += len(l.encode()) + 1
    n += 1
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines) + "\n")
print(f"{sys.argv[1]}: {n} evidence entries")
PY
ls -l "$dir/big.yaml" | awk '{print $5 " bytes"}'
for f in table json markdown html csv oscal; do
	/usr/bin/time -f "assess --format $f: %e s, max RSS %M KB" "$sg" assess "$dir/big.yaml" \
		--format "$f" >/dev/null || true
done
