#!/bin/sh
# Installs the Debian packages listed in debian-packages.txt that are missing.
# A no-op (no apt-get call at all) when everything is present.
set -eu
list="$(dirname "$0")/../debian-packages.txt"
missing=""
for p in $(grep -v '^#' "$list" | grep -v '^$'); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh them once, then install.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
