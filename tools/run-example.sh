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
