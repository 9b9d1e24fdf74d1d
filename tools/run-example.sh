#!/bin/sh
# `make run`: the main job on the bundled example.
# usage: run-example.sh SAASGUARD PROFILE STATE_DIR
set -eu
sg=$1 profile=$2 state=$3
mkdir -p "$state"
echo "== saasguard classify (I.7.1) for $profile"
"$sg" classify --personal-information yes --trade-secrets no --availability high
echo
echo "== saasguard catalog list --pattern 1"
"$sg" catalog list --pattern 1
