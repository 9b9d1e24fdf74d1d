#!/bin/sh
# The report benchmark: 1,000 checks over a month of 1-minute results
# (43.2 million results, as their daily roll-ups, state intervals and
# incidents), then each report format timed with /usr/bin/time -v.
# Usage: bench/report/run.sh [BUILD_DIR]   (default: build)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOT=$ROOT SAASGUARD=$BUILD/saasguard /usr/bin/python3 - "$WORK" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("ROOT", "."), "tests", "integration"))
import report_fill
t = time.time()
report_fill.bench_month(os.path.join(sys.argv[1], "db.sqlite"))
report_fill.write_profile(os.path.join(sys.argv[1], "profile.yaml"))
print(f"fill: {time.time() - t:.1f} s (1,000 checks, 30,000 daily roll-ups, "
      f"24,000 down intervals, 200 incidents)")
PY
export SAASGUARD_NOW=1796072400
for audience in users managers; do
  for fmt in json html pdf; do
    /usr/bin/time -v "$BUILD/saasguard" report "$WORK/profile.yaml" --period 2026-11 \
      --audience $audience --format $fmt --output "$WORK/report.$fmt" --db "$WORK/db.sqlite" \
      2> "$WORK/time.txt" >/dev/null
    el=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
    printf '%-9s %-5s wall %s  peak RSS %d MiB  (%s bytes)\n' $audience $fmt "$el" \
      $((rss / 1024)) "$(stat -c %s "$WORK/report.$fmt")"
  done
done
