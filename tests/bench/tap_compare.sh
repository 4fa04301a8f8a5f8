#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Throughput between two TAP namespaces through idlecut (flow tracking on) and through
# dpdk-testpmd --forward-mode=io, on the same setup, alternating, in one run.
# A benchmark: prints figures, asserts nothing.
#
#   bash tests/bench/tap_compare.sh [SECONDS_PER_RUN] [ROUNDS]
. "$(dirname "$0")/../e2e/lib.sh"
require iperf3 dpdk-testpmd
SECS=${1:-5}
ROUNDS=${2:-3}

cat >"$WORK/scn.yaml" <<YAML
name: tap-bench
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
profiles: {track: {tcp: {established: 300s}}}
default_profile: track
YAML

# One measurement with the forwarder already running in ${ID}dp: iperf3 TCP, Gbit/s.
measure() {
	attach_pair 0 i0 o0
	nsx "${ID}s0" iperf3 -s -1 -B 198.18.0.2 >"$WORK/iperf-s.log" 2>&1 &
	local sp=$!
	sleep 0.5
	nsx "${ID}c0" iperf3 -c 198.18.0.2 -t "$SECS" -J >"$WORK/iperf.json" 2>&1
	wait $sp
	"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.3f" % (j["end"]["sum_received"]["bits_per_second"]/1e9))' "$WORK/iperf.json"
}

teardown_ns() {
	local ns
	for ns in "${ID}c0" "${ID}s0" "${ID}dp"; do ip netns del "$ns" 2>/dev/null; done
	NETNS=()
}

run_idlecut() {
	start_idlecut "$WORK/scn.yaml"
	measure
	stop_idlecut >/dev/null
	teardown_ns
}

run_testpmd() {
	ns_add "${ID}dp"
	# testpmd waits for Enter on stdin: hold it open with a pipe we close to stop it.
	mkfifo "$WORK/tp.in"
	ip netns exec "${ID}dp" dpdk-testpmd --no-huge -m 1024 --no-pci -l 0-1 \
		--file-prefix "${ID}tp" --vdev net_tap0,iface=i0 --vdev net_tap1,iface=o0 -- \
		--forward-mode=io --total-num-mbufs=16384 --nb-cores=1 \
		<"$WORK/tp.in" >"$WORK/testpmd.out" 2>&1 &
	local tp=$!
	exec 9>"$WORK/tp.in"
	for _ in $(seq 1 100); do grep -q "Press enter to exit" "$WORK/testpmd.out" && break; sleep 0.1; done
	measure
	echo >&9
	exec 9>&-
	wait $tp
	rm -f "$WORK/tp.in"
	teardown_ns
}

log "iperf3 TCP through TAP, ${SECS} s per run, ${ROUNDS} rounds (alternating)"
IC=() TP=()
for r in $(seq 1 "$ROUNDS"); do
	a=$(run_testpmd | tail -n 1)
	b=$(run_idlecut | tail -n 1)
	log "round $r: testpmd io ${a} Gbit/s   idlecut ${b} Gbit/s"
	TP+=("$a")
	IC+=("$b")
done
"$PY" - "${TP[*]}" "${IC[*]}" <<'PY'
import statistics, sys
tp = [float(x) for x in sys.argv[1].split()]
ic = [float(x) for x in sys.argv[2].split()]
mt, mi = statistics.median(tp), statistics.median(ic)
print(f"median testpmd io: {mt:.3f} Gbit/s   median idlecut (tracking): {mi:.3f} Gbit/s   "
      f"ratio {mi / mt:.3f}")
PY
