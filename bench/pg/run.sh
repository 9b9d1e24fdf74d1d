#!/bin/sh
# `make bench` (bench/run.sh): the PostgreSQL store benchmark, bench/pg/bench.py,
# at 10,000 targets with one monitor (docs/performance.md, "PostgreSQL store").
# With a build that has `saasguard monitor --location`, three monitors as well.
# usage: bench/pg/run.sh BUILD_DIR
set -eu
build=${1:-build}
dir=$(dirname "$0")
monitors=1
if "$build/saasguard" monitor --help 2>&1 | grep -q -- --location; then
	monitors=3
fi
/usr/bin/python3 "$dir/bench.py" "$build/saasguard" --targets 10000 --interval 10 \
	--warmup 15 --seconds 30 --monitors "$monitors"
# Writers on one store, results under the writer lock and outside it
# (docs/performance.md, "Writers on one PostgreSQL store"), and the start-up
# registration of 10,000 checks ("Start-up with many checks").
/usr/bin/python3 "$dir/writers.py" "$build" --writers 1,2,4,8 \
	--rates 10000,20000,30000,45000,60000 --seconds 8 --checks 30000
/usr/bin/python3 "$dir/register.py" "$build" --checks 10000
