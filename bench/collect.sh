#!/bin/sh
# Times `saasguard check` collectors on this machine (no network beyond
# loopback). usage: bench/collect.sh BUILD_DIR [RUNS]
set -eu
build=${1:-build} runs=${2:-20}
sg=$build/saasguard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=$(dirname "$0")/../tests/data/collect
cat > "$tmp/p.yaml" <<YAML
service: {name: bench, pattern: 1}
collectors:
  patches: {dpkg_status: /var/lib/dpkg/status, lists: /var/lib/apt/lists}
  firewall: {nft_json: $data/nft-drop.json, proc_net: /proc/net}
  passwords: {shadow: $data/shadow-weak}
  time: {kernel: true}
YAML
for only in patches firewall passwords time; do
	start=$(date +%s.%N)
	i=0
	while [ $i -lt "$runs" ]; do
		"$sg" check "$tmp/p.yaml" --only $only --db "$tmp/sg.db" --format json >/dev/null || true
		i=$((i + 1))
	done
	end=$(date +%s.%N)
	echo "$only: $(echo "($end - $start) * 1000 / $runs" | bc -l | cut -c1-6) ms per run ($runs runs)"
done
echo "dpkg: $(grep -c '^Package:' /var/lib/dpkg/status) packages; security indexes: $(ls /var/lib/apt/lists | grep -c 'security.*_Packages')"
