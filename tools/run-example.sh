#!/bin/sh
# `make run`: the main job on the bundled example.
# usage: run-example.sh SAASGUARD PROFILE STATE_DIR
set -eu
sg=$1 profile=$2 state=$3
mkdir -p "$state"
echo "== saasguard classify (I.7.1) for $profile"
"$sg" classify --personal-information yes --trade-secrets no --availability high
echo
echo "== saasguard assess $profile"
status=0
"$sg" assess "$profile" || status=$?
case $status in
0) echo "(exit 0: every basic countermeasure is compliant, not applicable or an accepted risk," \
	"and every * item meets)" ;;
1) echo "(exit 1: the assessment found gaps — the service does not yet meet its pattern;" \
	"this is the expected result for the example)" ;;
*) echo "(exit $status: the profile could not be read)"; exit "$status" ;;
esac
echo
echo "== saasguard sla $profile"
"$sg" sla "$profile"
echo "== saasguard catalog list --pattern 1"
"$sg" catalog list --pattern 1

# The monitor (issue 4): a loopback nginx stands in for the service, so the
# example never reaches outside this machine.
echo "== saasguard monitor $profile --once (against a loopback web server)"
web=$(mktemp -d)
chmod 755 "$web"
mkdir -p "$web/html"
printf 'OK\n' > "$web/html/healthz"
printf '<html><body>ログイン</body></html>\n' > "$web/html/login"
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
}
CONF
/usr/sbin/nginx -c "$web/nginx.conf" -p "$web" &
nginx_pid=$!
trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$web"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -f "$web/nginx.pid" ] && break
	sleep 0.2
done
"$sg" monitor "$profile" --once --db "$state/saasguard.db"
echo "== saasguard availability $profile --month $(TZ=Asia/Tokyo date +%Y-%m)"
"$sg" availability "$profile" --month "$(TZ=Asia/Tokyo date +%Y-%m)" --db "$state/saasguard.db" || true
echo "== saasguard incident list"
"$sg" incident list --db "$state/saasguard.db"
