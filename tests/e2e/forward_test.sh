#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation e2e: idlecut forwards real traffic between TAP ports in namespaces: ping,
# a 50 MB TCP transfer with its content verified, IPv6, two port pairs at once, 802.1Q and
# QinQ frames unchanged, and a stop under load within 1 s with a summary.
. "$(dirname "$0")/lib.sh"
require ping

cat >"$WORK/scn.yaml" <<YAML
name: forward-e2e
ports:
  - name: a
    inside: {tap: i0}
    outside: {tap: o0}
  - name: b
    inside: {tap: i1}
    outside: {tap: o1}
profiles:
  track:
    tcp: {established: 300s}
default_profile: track
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
attach_pair 1 i1 o1
C0=${ID}c0 S0=${ID}s0 C1=${ID}c1 S1=${ID}s1

check "IPv4 ping through pair a" nsx "$C0" ping -c 3 -i 0.2 -W 2 198.18.0.2
check "IPv6 ping through pair a" nsx "$C0" ping -6 -c 3 -i 0.2 -W 2 2001:db8:0::2
check "IPv4 ping through pair b" nsx "$C1" ping -c 3 -i 0.2 -W 2 198.18.1.2

# xfer CLIENT_NS SERVER_NS ADDR PORT BYTES: content must arrive intact.
xfer() {
	local c=$1 s=$2 addr=$3 port=$4 n=$5 tag=$6
	nsx "$s" "$PY" "$E2E_DIR/tcp_xfer.py" server "$addr" "$port" >"$WORK/srv-$tag" &
	local sp=$!
	for _ in $(seq 1 50); do grep -q listening "$WORK/srv-$tag" && break; sleep 0.1; done
	nsx "$c" "$PY" "$E2E_DIR/tcp_xfer.py" client "$addr" "$port" "$n" >"$WORK/cli-$tag"
	wait $sp
	local want got
	want=$(cat "$WORK/cli-$tag")
	got=$(tail -n 1 "$WORK/srv-$tag")
	log "$tag: sent [$want] received [$got]"
	[ -n "$want" ] && [ "$want" = "$got" ]
}

check "50 MB IPv4 TCP transfer, content verified" xfer "$C0" "$S0" 198.18.0.2 5001 52428800 v4
check "10 MB IPv6 TCP transfer, content verified" xfer "$C0" "$S0" 2001:db8:0::2 5002 10485760 v6

# Both pairs at once.
xfer "$C0" "$S0" 198.18.0.2 5003 20971520 par0 >"$WORK/par0.log" 2>&1 &
P0=$!
xfer "$C1" "$S1" 198.18.1.2 5004 20971520 par1 >"$WORK/par1.log" 2>&1 &
P1=$!
wait $P0; R0=$?
wait $P1; R1=$?
check "two pairs carry transfers at the same time" [ $R0 -eq 0 ] && [ $R1 -eq 0 ]

# Tagged frames crafted with scapy cross unchanged (this kernel has no 802.1Q interfaces).
SMAC=$(nsx "$S0" cat /sys/class/net/o0/address)
nsx "$S0" "$PY" "$E2E_DIR/vlan_frames.py" recv o0 4 "$WORK/vlan-recv" >"$WORK/vlan-recv.log" 2>&1 &
VP=$!
for _ in $(seq 1 100); do grep -q ready "$WORK/vlan-recv.log" && break; sleep 0.1; done
sleep 0.5
nsx "$C0" "$PY" "$E2E_DIR/vlan_frames.py" send i0 "$SMAC" >"$WORK/vlan-sent" 2>"$WORK/vlan-send.err"
wait $VP
vlan_same() {
	local n
	n=$(grep -c . "$WORK/vlan-sent")
	[ "$n" -eq 4 ] || return 1
	# Received frames may carry Ethernet padding: compare the sent prefix.
	while read -r sent; do
		grep -q "^$sent" "$WORK/vlan-recv" || { log "missing or changed: $sent"; return 1; }
	done <"$WORK/vlan-sent"
}
check "802.1Q, QinQ, tagged IPv6 and tagged ARP frames cross unchanged" vlan_same

# Stop under load: a transfer is running while SIGINT arrives.
nsx "$S0" "$PY" "$E2E_DIR/tcp_xfer.py" server 198.18.0.2 5010 >/dev/null 2>&1 &
EXTRA_PIDS+=($!)
sleep 0.3
nsx "$C0" "$PY" "$E2E_DIR/tcp_xfer.py" client 198.18.0.2 5010 2000000000 >/dev/null 2>&1 &
EXTRA_PIDS+=($!)
sleep 1.5
stop_idlecut
log "stop took ${IC_STOP_MS} ms, exit code $IC_RC"
check "SIGINT under load stops idlecut cleanly" [ "$IC_RC" = 0 ]
check "stop within 1 s" [ "$IC_STOP_MS" -le 1000 ]
check "final summary printed" grep -q -- '--- idlecut: scenario forward-e2e' "$WORK/idlecut.out"
RX=$(jget 'sum(p["rx_packets"] for p in j["ports"])')
TX=$(jget 'sum(p["tx_packets"] for p in j["ports"])')
DROPS=$(jget 'sum(j["drops"].values())')
log "summary: rx=$RX tx=$TX drops=$DROPS"
check "counters: packets received and forwarded" [ "$RX" -gt 40000 ]
check "counters: rx = tx + drops (nothing lost silently)" [ "$RX" -eq $((TX + DROPS)) ]
finish
