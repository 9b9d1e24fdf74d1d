#!/bin/sh
# The status page of a service with 1,000 checks and 90 days of roll-ups,
# served by `saasguard serve` and, side by side in one run, the same page
# saved as a file and served by nginx (also gzip: serve's own, nginx's
# gzip_static from the same bytes compressed once); then again with 1,000
# idle connections held open against serve. Every run is longer than the
# view's cache period (5 s), so views are rebuilt during it. Loopback only.
# Numbers: docs/performance.md.
# usage: bench/web/run.sh BUILD_DIR [SECONDS]
# SERVE_ARGS (default "--threads 2") is passed to serve.
set -eu
build=${1:-build}
secs=${2:-10}
sg="$(cd "$build" && pwd)/saasguard"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
cleanup() {
	[ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "${nginx_pid:-}" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	[ -n "${idle_pid:-}" ] && kill "$idle_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
now=$(python3 "$here/setup.py" "$tmp")
export SAASGUARD_NOW="$now"
port=18471
nport=18472
"$sg" serve "$tmp/bench.yaml" --db "$tmp/bench.db" --listen 127.0.0.1:$port \
	--max-per-address 2000 ${SERVE_ARGS:---threads 2} >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
t0=$(date +%s.%N)
curl -fs -o "$tmp/page.html" "http://127.0.0.1:$port/status/bench"
t1=$(date +%s.%N)
echo "first request, which waits for the first view (1,000 checks, 90 days): $(echo "$t1 - $t0" | bc) s, $(wc -c <"$tmp/page.html") bytes"
mkdir -p "$tmp/html/status" "$tmp/ntmp"
cp "$tmp/page.html" "$tmp/html/status/bench"
gzip -9 -k "$tmp/html/status/bench"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/ntmp; proxy_temp_path $tmp/ntmp; fastcgi_temp_path $tmp/ntmp;
  uwsgi_temp_path $tmp/ntmp; scgi_temp_path $tmp/ntmp;
  default_type text/html;
  gzip_static on;
  server { listen 127.0.0.1:$nport; root $tmp/html; }
}
CONF
/usr/sbin/nginx -c "$tmp/nginx.conf" -p "$tmp" &
nginx_pid=$!
sleep 0.5
run() { # label url [wrk options]
	echo "-- $1"
	u=$2
	shift 2
	wrk -t2 -c32 -d"${secs}s" --latency "$@" "$u" |
		grep -E "Requests/sec|Latency  |  50%|  99%|Non-2xx|Transfer/sec"
}
paced() { # label url
	echo "-- $1 (paced: 10 connections x ~100 requests/s)"
	wrk -t2 -c10 -d"${secs}s" --latency -s "$here/pace.lua" "$2" |
		grep -E "Requests/sec|  50%|  99%|Non-2xx"
}
paced "saasguard serve /status/bench" "http://127.0.0.1:$port/status/bench"
run "saasguard serve /status/bench" "http://127.0.0.1:$port/status/bench"
run "nginx, the same page as a file" "http://127.0.0.1:$nport/status/bench"
run "saasguard serve, gzip" "http://127.0.0.1:$port/status/bench" -H "Accept-Encoding: gzip"
run "nginx, gzip_static" "http://127.0.0.1:$nport/status/bench" -H "Accept-Encoding: gzip"
python3 -c '
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(1000)]
print("holding", len(socks), "idle connections", flush=True)
time.sleep(3600)
' $port &
idle_pid=$!
sleep 2
paced "saasguard serve with 1,000 idle connections open" "http://127.0.0.1:$port/status/bench"
run "saasguard serve with 1,000 idle connections open" "http://127.0.0.1:$port/status/bench"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
