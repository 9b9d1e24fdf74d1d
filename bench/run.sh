#!/bin/sh
# `make bench`: every benchmark of docs/performance.md. usage: bench/run.sh BUILD_DIR
set -eu
build=$1
echo "== monitor: 10,000 HTTP targets against loopback nginx, and prometheus-blackbox-exporter"
/usr/bin/python3 "$(dirname "$0")/monitor/bench.py" "$build/saasguard" --targets 10000 --seconds 30
