#!/bin/sh
# Zone conversion cost: timeutil_localtime + timeutil_mktime pairs.
# usage: bench/timeutil.sh BUILD_DIR
set -eu
"${1:-build}/bench_timeutil" 1000000
