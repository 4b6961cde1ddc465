#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what `make bench` needs on top of scripts/deps.sh: Debian's
# prometheus-node-exporter, the benchmark's point of comparison (bench/run.sh starts its own
# instance with only the textfile collector). Idempotent and quiet when it is present.
set -euo pipefail

bash "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

PKGS=(prometheus-node-exporter)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bench-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
