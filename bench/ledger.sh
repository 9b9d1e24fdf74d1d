#!/bin/sh
# Evidence ledger benchmark (docs/performance.md):
#  - durable appends per second: N entries through ledger_writer_append(),
#    10,000 per transaction, SQLite WAL with synchronous=FULL (every commit
#    fsyncs);
#  - entries verified per second by ledger_verify() (every leaf recomputed from
#    its text, the tree rebuilt, the head's signature checked), and that rate
#    in bytes as a fraction of `openssl speed -evp sha256` on blocks of the
#    same size (hashing the same bytes with nothing else to do).
# usage: bench/ledger.sh [BUILD_DIR] [N]
set -eu
build=${1:-build}
n=${2:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "== ledger: $n appends, 10000 per commit (synchronous=FULL)"
"$build/bench_ledger" append "$tmp/ledger.db" "$n" 10000
"$build/saasguard" ledger keygen --key "$tmp/ledger.key" >/dev/null
echo "== ledger: seal, then verify every entry"
"$build/bench_ledger" verify "$tmp/ledger.db" "$tmp/ledger.key" | tee "$tmp/verify.txt"
eps=$(awk '/^verified_entries_per_second/ {print $2}' "$tmp/verify.txt")
# Bytes hashed per leaf: the 0x00 prefix and the entry text.
avg=$(sqlite3 "$tmp/ledger.db" "SELECT CAST(ROUND(AVG(LENGTH(entry)) + 1) AS INT) FROM ledger_entries")
echo "== openssl speed -evp sha256 -bytes $avg -seconds 3"
kps=$(openssl speed -evp sha256 -bytes "$avg" -seconds 3 2>/dev/null |
	awk '$1 == "sha256" {sub(/k$/, "", $2); print $2}')
awk -v eps="$eps" -v avg="$avg" -v kps="$kps" 'BEGIN {
	v = eps * avg / 1e6; s = kps * 1000 / 1e6;
	printf "verify_bytes_per_second %.0f MB/s (%d bytes per leaf)\n", v, avg;
	printf "openssl_sha256_bytes_per_second %.0f MB/s (blocks of %d bytes)\n", s, avg;
	printf "verify_fraction_of_sha256 %.0f %%\n", 100 * v / s;
}'
echo "== the command an auditor runs: saasguard ledger verify"
start=$(date +%s.%N)
"$build/saasguard" --lang en ledger verify --db "$tmp/ledger.db" --key "$tmp/ledger.key" | head -1
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" -v n="$n" 'BEGIN {
	printf "cli_verify_seconds %.2f s (%.0f entries/s, including start-up)\n", b - a, n / (b - a) }'
