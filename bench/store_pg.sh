#!/bin/sh
# Store engines compared (docs/performance.md): rows per second through
# store.h, N rows in transactions of 1,000, on a SQLite file (WAL,
# synchronous=FULL) and on the PostgreSQL database URI names (it gets a
# bench_rows table, dropped after). Two ways a module writes: a statement
# prepared per row (one round trip each on PostgreSQL) and one statement reset
# and run again (a server-side prepared statement on PostgreSQL).
# usage: bench/store_pg.sh BUILD_DIR N 'postgresql:///bench?host=SOCKDIR'
set -eu
build=${1:-build}
n=${2:-20000}
uri=${3:?a PostgreSQL URI (a database this may write a bench_rows table into)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "== sqlite ($n rows)"
"$build/bench_store_pg" "$tmp/bench.db" "$n"
echo "== postgresql ($n rows)"
"$build/bench_store_pg" "$uri" "$n"
