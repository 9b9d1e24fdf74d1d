#!/bin/sh
# The dashboard's ledger items on a large ledger (docs/performance.md):
#  - "verify now" (POST /api/v1/ledger/verification, admin token): the whole
#    ledger verified and the result recorded, as the monitor's daily run;
#  - the export download (GET /api/v1/ledger/export, operator token): the
#    whole ledger exported into a temporary directory, zipped and sent, or
#    refused past the 32 MB limit.
# usage: bench/ledger-web.sh [BUILD_DIR] [N] [PORT]
set -eu
build=${1:-build}
n=${2:-1000000}
port=${3:-18473}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
sg() { "$build/saasguard" --lang en "$@"; }

echo "== $n entries, sealed"
"$build/bench_ledger" append "$tmp/sg.db" "$n" 10000 >/dev/null
sg ledger keygen --key "$tmp/ledger.key" >/dev/null
sg ledger seal --db "$tmp/sg.db" --key "$tmp/ledger.key" >/dev/null
printf 'service: {name: bench, pattern: 1, slug: bench}\nledger: {key: %s}\n' \
	"$tmp/ledger.key" >"$tmp/p.yaml"
admin=$(sg token add bench-admin --role admin --db "$tmp/sg.db" 2>/dev/null)
operator=$(sg token add bench-operator --role operator --db "$tmp/sg.db" 2>/dev/null)
TMPDIR=$tmp "$build/saasguard" serve "$tmp/p.yaml" --db "$tmp/sg.db" \
	--listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "serve did not start" >&2; exit 1; }
	sleep 0.1
done

echo "== verify now: POST /api/v1/ledger/verification"
curl -s -o "$tmp/v.json" -w 'status %{http_code}, %{time_total} s\n' -X POST \
	-H "Authorization: Bearer $admin" "http://127.0.0.1:$port/api/v1/ledger/verification"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["verification"];
print("result", v["result"], "entries", v["entries"], "verify_seconds", v["seconds"])' "$tmp/v.json"

echo "== export download: GET /api/v1/ledger/export (the whole ledger)"
curl -s -o "$tmp/x.zip" -w 'status %{http_code}, %{size_download} bytes, %{time_total} s\n' \
	-H "Authorization: Bearer $operator" "http://127.0.0.1:$port/api/v1/ledger/export"
echo "temporary files left: $(find "$tmp" -maxdepth 1 -name 'saasguard-export-*' | wc -l)"
