#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages the build and the tests need. Idempotent and quiet when
# everything is already present.
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config
	libbpf-dev libelf-dev zlib1g-dev bpftool
	libyaml-dev libmicrohttpd-dev libgnutls28-dev libcrypt-dev libpcre2-dev libcap-dev libsystemd-dev
	libprotobuf-c-dev protobuf-c-compiler
	libcurl4-openssl-dev systemtap-sdt-dev
	protobuf-compiler python3-protobuf python3-grpcio python3-prometheus-client openssl
	libpci-dev pci.ids libseccomp-dev
	libcmocka-dev
	libzstd-dev libunistring-dev libp11-kit-dev
	prometheus curl iproute2 clang-format wrk chromium file valgrind
)
# Node.js and npm validate the Kubernetes objects; a machine may have them from elsewhere.
command -v node >/dev/null && command -v npm >/dev/null || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
