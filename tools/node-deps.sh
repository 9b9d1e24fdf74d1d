#!/bin/sh
# Installs the npm packages the tests use (ajv-cli validates the OSCAL
# exports) into tests/node_modules from tests/package-lock.json. No-op when
# they are already there.
set -eu
dir="$(dirname "$0")/../tests"
[ -x "$dir/node_modules/.bin/ajv" ] && [ -d "$dir/node_modules/playwright-core" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "node-deps: npm is missing" >&2; exit 1; }
cd "$dir"
if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
else
	npm install --no-audit --no-fund --loglevel=error
fi
