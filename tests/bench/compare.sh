#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# idlecut-bench next to dpdk-testpmd --forward-mode=io and --forward-mode=macswap, on the
# same port type (net_null, --no-huge), one forwarding core each, same CPU, in one run.
# A benchmark: prints figures and ratios, asserts nothing.
#
#   bash tests/bench/compare.sh [SECONDS] [-- idlecut-bench options]
#
# SECONDS (default 5) is testpmd's measuring interval: testpmd runs interactively, forwards
# for 1 s, then "show port stats all" twice SECONDS apart; the second one's Rx/Tx-pps is the
# rate over exactly that interval (testpmd times it). Both ports are summed: one core
# forwards both directions, as idlecut's worker does.
#
# What is compared: testpmd pays the PMD (net_null RX allocates mbufs, TX frees them) and
# touches no packet data in io mode (macswap swaps the MACs); idlecut-bench pays no PMD at
# all (its generator recycles mbufs, about 10 cycles a packet) but parses, classifies and
# forwards each packet through the real worker. So the ratios say how far idlecut's per-packet
# work is from the cheapest forwarding DPDK does on this machine, not a NIC line rate.
#
# Environment: BUILD (default build), IDLECUT_BENCH (default $BUILD/tests/bench/idlecut-bench),
# TESTPMD (default dpdk-testpmd), CPU (the forwarding CPU of both, default 0; testpmd's
# interactive main lcore, which mostly waits on stdin, takes another CPU). Always compare on
# one CPU: on a VM the vCPUs can differ a lot (on the 2-vCPU VM this was written on, CPU 1
# forwards about 27 % slower than CPU 0, for testpmd and idlecut alike).
set -u

SRC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$SRC_ROOT/build}
BENCH=${IDLECUT_BENCH:-$BUILD/tests/bench/idlecut-bench}
TESTPMD=${TESTPMD:-dpdk-testpmd}
CPU=${CPU:-0}
SECS=5
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	SECS=$1
	shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
BENCH_ARGS=("$@")
[ ${#BENCH_ARGS[@]} -eq 0 ] && BENCH_ARGS=(--flows 1K,64K,1M --phases plain,tracking --seconds 3)

WORK=$(mktemp -d /tmp/idlecut-cmp.XXXXXX)
TP_PID=
RATE=
PREFIXES=()

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
	printf 'compare.sh: %s\n' "$*" >&2
	exit 1
}

cleanup() {
	exec 9>&- 2>/dev/null
	if [ -n "$TP_PID" ] && kill -0 "$TP_PID" 2>/dev/null; then
		kill "$TP_PID" 2>/dev/null
		wait "$TP_PID" 2>/dev/null
	fi
	# The EAL runtime directories of the testpmd runs this script started, nothing else.
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$BENCH" ] || die "$BENCH: not built (ninja -C $BUILD tests/bench/idlecut-bench)"
command -v "$TESTPMD" >/dev/null || die "$TESTPMD not found (Debian package dpdk)"
command -v python3 >/dev/null || die "python3 not found"
[ "$(nproc)" -gt 1 ] && [ "$(nproc)" -gt "$CPU" ] || die "need CPU $CPU and another one"
OTHER=$((CPU == 0 ? 1 : 0))

# testpmd in MODE for SECS seconds on two net_null ports: sets RATE, total forwarded pps. Not
# called in a subshell, so that the traps know testpmd's pid.
testpmd_rate() {
	local mode=$1 prefix="idlecut-cmp-$$-$1" fifo=$WORK/tp-$1.in out=$WORK/tp-$1.out
	PREFIXES+=("$prefix")
	mkfifo "$fifo"
	"$TESTPMD" --no-huge -m 512 --no-pci -l "$OTHER,$CPU" --main-lcore "$OTHER" \
		--file-prefix "$prefix" \
		--vdev net_null0 --vdev net_null1 --log-level lib.eal:error -- \
		-i --forward-mode="$mode" --nb-cores=1 --total-num-mbufs=16384 \
		<"$fifo" >"$out" 2>&1 &
	TP_PID=$!
	exec 9>"$fifo"
	for _ in $(seq 1 100); do grep -q 'testpmd>' "$out" && break; sleep 0.1; done
	grep -q 'testpmd>' "$out" || {
		cat "$out" >&2
		die "testpmd did not start"
	}
	echo start >&9
	sleep 1
	echo "show port stats all" >&9
	sleep "$SECS"
	echo "show port stats all" >&9
	sleep 0.5
	echo stop >&9
	echo quit >&9
	exec 9>&-
	wait "$TP_PID"
	TP_PID=
	# The last two Tx-pps lines: ports 0 and 1 over the interval between the two shows.
	RATE=$(awk '/Tx-pps:/ { v[n++] = $2 } END { if (n < 4) exit 1; print v[n-2] + v[n-1] }' \
		"$out") || die "no rate in testpmd output ($out)"
}

log "idlecut-bench ${BENCH_ARGS[*]} --lcore $CPU"
IDLECUT_SOURCE_ROOT=$SRC_ROOT "$BENCH" "${BENCH_ARGS[@]}" --lcore "$CPU" \
	--json "$WORK/bench.json" >"$WORK/bench.txt" || die "idlecut-bench failed"
cat "$WORK/bench.txt"
log "dpdk-testpmd --forward-mode=io, ${SECS} s"
testpmd_rate io
IO=$RATE
log "dpdk-testpmd --forward-mode=macswap, ${SECS} s"
testpmd_rate macswap
MS=$RATE

python3 - "$WORK/bench.json" "$IO" "$MS" <<'PY'
import json, sys

b = json.load(open(sys.argv[1]))
io, ms = float(sys.argv[2]) / 1e6, float(sys.argv[3]) / 1e6
m = b["machine"]
print(f"\ncompare: {m['cpu']}, {m['cores']} cores, no hugepages, git {b['git']}, {b['date']}")
print(f"  dpdk-testpmd io      (net_null x2, 1 core): {io:7.2f} Mpps")
print(f"  dpdk-testpmd macswap (net_null x2, 1 core): {ms:7.2f} Mpps\n")
print("  flows |  idlecut plain  /io   /macswap |  idlecut tracking  /io   /macswap")
for t in b["throughput"]:
    lbl = (f"{t['flows'] >> 20}M" if t["flows"] % (1 << 20) == 0 else f"{t['flows'] >> 10}K")
    p = t["plain"]["mpps"] if t["plain"] else float("nan")
    k = t["tracking"]["mpps"] if t["tracking"] else float("nan")
    print(f"  {lbl:>5} |  {p:6.2f} Mpps  {p / io:5.3f}  {p / ms:5.3f}  "
          f"|  {k:6.2f} Mpps     {k / io:5.3f}  {k / ms:5.3f}")
print("\n  (idlecut: the real worker, no PMD, generator included; testpmd: net_null PMD RX/TX,"
      " no parsing)")
PY
