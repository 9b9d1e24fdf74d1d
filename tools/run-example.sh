#!/bin/sh
# `make run`: the main job on the bundled example, end to end, on this machine
# only. A loopback nginx stands in for the service (HTTP on 127.0.0.1:18931,
# HTTPS with a throwaway self-signed certificate on 127.0.0.1:8443); the
# embedded SQLite store and the ledger key live in STATE_DIR.
# usage: run-example.sh SAASGUARD PROFILE STATE_DIR
set -eu
sg=$1 profile=$2 state=$3
mkdir -p "$state"
db="$state/saasguard.db"
export SAASGUARD_LEDGER_KEY="$state/ledger.key"
month=$(TZ=Asia/Tokyo date +%Y-%m)

# Explains an exit status of 1 (a finding) without stopping the run.
finding() {
	case $1 in
	0) ;;
	1) echo "(exit 1: $2)" ;;
	*) echo "(exit $1: failed)"; exit "$1" ;;
	esac
}

web=$(mktemp -d)
chmod 755 "$web"
mkdir -p "$web/html" "$web/tmp"
printf 'OK\n' > "$web/html/healthz"
printf '<html><body>ログイン</body></html>\n' > "$web/html/login"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
	-keyout "$web/key.pem" -out "$web/cert.pem" 2>/dev/null
cat > "$web/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $web/nginx.pid;
error_log $web/error.log;
events { worker_connections 64; }
http {
  access_log $web/access.log;
  client_body_temp_path $web/tmp; proxy_temp_path $web/tmp; fastcgi_temp_path $web/tmp;
  uwsgi_temp_path $web/tmp; scgi_temp_path $web/tmp;
  default_type text/html;
  charset utf-8;
  server { listen 127.0.0.1:18931; root $web/html; }
  server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate $web/cert.pem;
    ssl_certificate_key $web/key.pem;
    add_header Strict-Transport-Security "max-age=31536000" always;
    root $web/html;
  }
}
CONF
/usr/sbin/nginx -c "$web/nginx.conf" -p "$web" &
nginx_pid=$!
trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$web"' EXIT
for _ in $(seq 1 25); do
	[ -f "$web/nginx.pid" ] && break
	sleep 0.2
done

echo "== saasguard monitor --once: liveness, fault and performance checks"
"$sg" monitor "$profile" --once --db "$db"
echo
echo "== saasguard check: time sync, patches, signatures, backups, logs, TLS, firewall"
st=0; "$sg" check "$profile" --db "$db" || st=$?
finding $st "some measurements fall short of the pattern's reference values"
echo
echo "== saasguard assess --db: declared values, judged with what was measured"
st=0; "$sg" assess "$profile" --db "$db" || st=$?
finding $st "the assessment found gaps; the example service does not yet meet pattern 1"
echo
echo "== saasguard availability --month $month (III.2.1.1)"
st=0; "$sg" availability "$profile" --month "$month" --db "$db" || st=$?
finding $st "below the pattern's availability reference"
echo
echo "== saasguard ledger: sign the evidence and verify it"
[ -f "$SAASGUARD_LEDGER_KEY" ] || "$sg" ledger keygen --key "$SAASGUARD_LEDGER_KEY"
"$sg" ledger seal --db "$db" --key "$SAASGUARD_LEDGER_KEY"
"$sg" ledger verify --db "$db" --public-key "$SAASGUARD_LEDGER_KEY.pub"
echo
echo "== saasguard report --period $month: the customer report and the manager summary"
"$sg" report "$profile" --period "$month" --format pdf --output "$state/report-$month.pdf" --db "$db"
"$sg" report "$profile" --period "$month" --audience managers --format html \
	--output "$state/summary-$month.html" --db "$db"
echo
echo "== saasguard sla: the SLA commitments to attach to the contract"
"$sg" sla "$profile"
echo
echo "== look at it in a browser"
echo "   make serve     # then open http://127.0.0.1:8080/status/ (the public status page)"
echo "   The operator dashboard (http://127.0.0.1:8080/dashboard/) needs an account:"
echo "   $sg user add admin --role admin --db $db"
