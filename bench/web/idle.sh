#!/bin/sh
# Do 1,000 idle connections slow other clients? The status page of
# bench/web/run.sh's service, served by `saasguard serve`, measured
# alternately without and with 1,000 idle connections held open, ROUNDS
# times (so the machine's drift falls on both sides). Loopback only.
# Numbers: docs/performance.md.
# usage: bench/web/idle.sh BUILD_DIR [SECONDS] [ROUNDS]
set -eu
build=${1:-build}
secs=${2:-8}
rounds=${3:-3}
sg="$(cd "$build" && pwd)/saasguard"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() {
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "${idle_pid:-}" ] && kill "$idle_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
now=$(python3 "$here/setup.py" "$tmp")
export SAASGUARD_NOW="$now"
port=18473
"$sg" serve "$tmp/bench.yaml" --db "$tmp/bench.db" --listen 127.0.0.1:$port \
	--max-per-address 2000 ${SERVE_ARGS:---threads 2} >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$port/status/bench"
url="http://127.0.0.1:$port/status/bench"
measure() { # label
	printf '%s load %s: ' "$1" "$(cut -d' ' -f1 /proc/loadavg)"
	wrk -t2 -c10 -d"${secs}s" --latency -s "$here/pace.lua" "$url" |
		awk '/ 99%/ {p=$2} /Requests\/sec/ {r=$2} END {printf "paced %s req/s p99 %s; ", r, p}'
	wrk -t2 -c32 -d"${secs}s" --latency "$url" |
		awk '/ 99%/ {p=$2} /Requests\/sec/ {r=$2} END {printf "saturated %s req/s p99 %s\n", r, p}'
}
for i in $(seq 1 "$rounds"); do
	measure "round $i, no idle connections"
	python3 -c '
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(1000)]
print("ready", flush=True)
time.sleep(3600)
' $port >"$tmp/idle.out" &
	idle_pid=$!
	for _ in $(seq 1 100); do grep -q ready "$tmp/idle.out" 2>/dev/null && break; sleep 0.1; done
	sleep 2 # connected is not yet accepted: let serve take them all first
	measure "round $i, 1,000 idle connections"
	kill "$idle_pid"
	wait "$idle_pid" 2>/dev/null || true
	idle_pid=
	sleep 1
done
