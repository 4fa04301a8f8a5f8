#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# net_memif: idlecut connected to a second DPDK process (dpdk-testpmd) over shared memory.
#
#   ${ID}c [tap tc] testpmd in ${ID}tp ==memif== idlecut in ${ID}dp [tap o0] ${ID}s
#   198.18.0.1      io forwarding       client    server                     198.18.0.2
#
# testpmd (Debian's dpdk package) forwards between a TAP port, whose interface is moved to
# the client's namespace, and a memif port; idlecut's inside port is the other end of that
# memif, its outside a TAP in the server's namespace. So every frame of the client's
# connection crosses memif both ways, and the RST idlecut injects towards the client leaves
# through memif, is forwarded by testpmd and must reach the client's Linux stack as an
# acceptable RST: a real connection, idle past its 2 s timeout, gets ECONNRESET at both
# ends. testpmd's own counters must show the memif traffic in both directions.
#
# Both processes run with --no-huge and their own --file-prefix: memif in DPDK 22.11 puts
# its rings and buffers in memfd shared memory, which needs no hugepages (only zero-copy
# mode, not used here, maps the application's own hugepage memory). idlecut is the memif
# server (it creates the control socket when it starts; a memif client fails to start
# without one), testpmd the client. The socket is a path in the test's work directory,
# not an abstract socket: those live in a network namespace, and the two processes are in
# different ones. testpmd's lcores share CPU 0 so that its forwarding loop and idlecut's
# worker (CPU 1) do not compete for one CPU.
. "$(dirname "$0")/lib.sh"
require dpdk-testpmd

TMO=2
C=${ID}c S=${ID}s TP=${ID}tp
SOCK=$WORK/memif.sock
cat >"$WORK/scn.yaml" <<YAML
name: memif-e2e
ports:
  - name: shm
    inside: {vdev: "net_memif0,role=server,id=0,socket=$SOCK,socket-abstract=no"}
    outside: {tap: o0}
profiles:
  cut: {tcp: {established: ${TMO}s}, on_timeout: reset-both}
default_profile: cut
YAML
# No IPv6 anywhere: autoconfiguration on the TAPs would send frames towards memif before it
# is connected, which idlecut counts as TX drops (as it must).
ns_add "${ID}dp"
nsx "${ID}dp" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
start_idlecut "$WORK/scn.yaml" --stats-json --events "$WORK/events.jsonl"
[ -S "$SOCK" ] || die "idlecut started but its memif socket $SOCK is missing"
ns_add "$S"
nsx "$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx "${ID}dp" ip link set o0 netns "$S" || die "cannot move o0"
nsx "$S" ip addr add 198.18.0.2/24 dev o0
nsx "$S" ip link set o0 up

ns_add "$C"
nsx "$C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ns_add "$TP"
nsx "$TP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$TP" dpdk-testpmd --no-huge -m 256 --no-pci --file-prefix "${ID}tp" \
	--lcores 0@0,1@0 --vdev net_tap0,iface=tc \
	--vdev "net_memif0,role=client,id=0,socket=$SOCK,socket-abstract=no" -- \
	--forward-mode=io --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 >"$WORK/testpmd.out" 2>&1 &
TP_PID=$!
EXTRA_PIDS+=("$TP_PID")
for _ in $(seq 1 100); do
	nsx "$TP" ip link show tc >/dev/null 2>&1 && grep -q 'forwarding packets' "$WORK/testpmd.out" &&
		break
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$TP_PID" 2>/dev/null || { tail -n 20 "$WORK/testpmd.out" >&2; die "testpmd did not start"; }
grep -q 'forwarding packets' "$WORK/testpmd.out" ||
	{ tail -n 20 "$WORK/testpmd.out" >&2; die "testpmd did not start forwarding"; }
nsx "$TP" ip link set tc netns "$C" || die "cannot move tc"
nsx "$C" ip addr add 198.18.0.1/24 dev tc
nsx "$C" ip link set tc up

# memif connects in the background: wait for the first answer, then require a clean run.
for _ in $(seq 1 20); do
	nsx "$C" ping -c 1 -W 0.5 198.18.0.2 >/dev/null 2>&1 && break
done
check "ping crosses testpmd, memif and idlecut" nsx "$C" ping -c 3 -i 0.2 -W 2 198.18.0.2 >/dev/null

nsx "$S" "$PY" "$E2E_DIR/idle_conn.py" server 198.18.0.2 7001 1000000 wait 6 \
	>"$WORK/conn.srv" 2>&1 &
SP=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/conn.srv" && break; sleep 0.1; done
nsx "$C" "$PY" "$E2E_DIR/idle_conn.py" client 198.18.0.2 7001 1000000 wait 6 >"$WORK/conn.cli" 2>&1
wait $SP
log "client $(tail -n 1 "$WORK/conn.cli") server $(tail -n 1 "$WORK/conn.srv")"
field() {
	grep '^{' "$WORK/$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$2',''))"
}
near() { "$PY" -c "import sys; x=float('$1' or 'nan'); sys.exit(0 if $2 <= x <= $3 else 1)"; }
check "client (behind memif): 1 MB each way, then ECONNRESET" [ "$(field conn.cli event)" = reset ]
check "client reset within 0.5 s of the timeout" near "$(field conn.cli after)" 1.8 2.5
check "server: ECONNRESET" [ "$(field conn.srv event)" = reset ]
check "server reset within 0.5 s of the timeout" near "$(field conn.srv after)" 1.8 2.5

# testpmd prints its totals when it stops (SIGINT): port 0 is the TAP, port 1 the memif.
kill -INT "$TP_PID"
for _ in $(seq 1 50); do kill -0 "$TP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$TP_PID" 2>/dev/null
tp_count() { # PORT RX|TX: the port's packet count in testpmd's final per-port statistics
	awk -v p="$1" -v k="$2-packets:" '
		/statistics for/ { cur = ($0 ~ "Forward statistics for port " p " ") }
		cur && $1 == k { n = $2 } END { print n + 0 }' "$WORK/testpmd.out"
}
log "testpmd: memif RX $(tp_count 1 RX) TX $(tp_count 1 TX), tap RX $(tp_count 0 RX) TX $(tp_count 0 TX)"
check "testpmd: over 700 frames received from idlecut over memif" [ "$(tp_count 1 RX)" -gt 700 ]
check "testpmd: over 700 frames sent to idlecut over memif" [ "$(tp_count 1 TX)" -gt 700 ]

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "events: the connection expired established, 2 RSTs" \
	[ "$(grep '"event":"expired"' "$WORK/events.jsonl" | grep -c \
		'"state":"established".*"action":"reset-both","rst_sent":2')" = 1 ]
check "counters: one RST to the client (through memif), one to the server" \
	[ "$(jget '(j["rst_sent"]["client"], j["rst_sent"]["server"], j["rst_failed"])')" = \
		"(1, 1, 0)" ]
check "counters: idlecut's memif port received and sent over 700 frames" \
	"$PY" -c "import sys; p = $(jget 'j["ports"][0]'); sys.exit(0 if min(p['rx_packets'], p['tx_packets']) > 700 else 1)"
# Nothing lost: 1 MB is under 700 segments, fewer than a memif ring's 1024 slots, so even a
# testpmd that does not get the CPU for a while cannot make idlecut's memif TX refuse one.
check "counters: nothing malformed or dropped" \
	[ "$(jget 'sum(j["drops"].values()) + sum(j["malformed"].values())')" = 0 ]
finish
