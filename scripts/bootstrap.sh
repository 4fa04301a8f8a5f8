#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what idlecut needs from Debian 12 (idempotent), then configure and build it.
#   bash scripts/bootstrap.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}

PKGS=(
	# build
	build-essential meson ninja-build pkg-config
	libdpdk-dev libyaml-dev libcmocka-dev libmicrohttpd-dev libpcap-dev
	# run: dpdk-testpmd and dpdk-telemetry.py, TAP testbeds, traffic and captures
	dpdk dpdk-dev iproute2 iputils-ping python3 python3-scapy python3-yaml iperf3 tcpdump
	nginx-light curl gnuplot-nox
	# a real Prometheus server and promtool (tests/e2e/prometheus_test.sh); man -l for the
	# install test
	prometheus man-db groff-base
	# port kinds: veth offloads for net_af_packet
	ethtool
	# nft in a test namespace: drop one direction of a connection (tests/e2e/candidates_test.sh)
	nftables
	# hardening: fuzzing and sanitizers
	clang valgrind
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "bootstrap: run as root to install: ${missing[*]}" >&2; exit 1; }
	echo "bootstrap: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	# Debian starts the packaged Prometheus server on *:9090; the tests run their own, on
	# 127.0.0.1 in a namespace. Stop the one this install just started.
	if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null &&
		systemctl is-enabled prometheus.service >/dev/null 2>&1; then
		systemctl disable --now prometheus.service || true
	fi
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT"
fi
ninja -C "$BUILD"
