#!/bin/sh
# Runs every benchmark in bench/*/run.sh against a build (default: build).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for b in "$ROOT"/bench/*/run.sh; do
  echo "== $(basename "$(dirname "$b")")"
  "$b" "${1:-build}"
done
