#!/bin/sh
# `make serve`: `saasguard serve` for the bundled example on loopback, in the
# foreground. Prints the URLs of the public status page, the dashboard and
# the API; Ctrl-C (SIGINT) stops it after the running requests finish.
# usage: serve-example.sh SAASGUARD PROFILE STATE_DIR LISTEN
set -eu
sg=$1 profile=$2 state=$3 listen=$4
mkdir -p "$state"
db="$state/saasguard.db"
host=${listen%:*}
port=${listen##*:}
echo "== saasguard serve $profile --listen $listen"
echo "   public status page:  http://$host:$port/status/"
echo "   operator dashboard:  http://$host:$port/dashboard/  (an account first:"
echo "       $sg user add admin --role admin --db $db)"
echo "   REST API:            http://$host:$port/api/v1/openapi.json  (a token:"
echo "       $sg token add ci --role viewer --db $db)"
echo "   metrics:             http://$host:$port/metrics"
echo "   Ctrl-C stops it."
exec "$sg" serve "$profile" --db "$db" --listen "$listen"
