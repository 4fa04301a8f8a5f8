#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# net_af_packet ports: idlecut between two plain Linux interfaces, not bound to DPDK.
#
#   ${ID}c [ci] ==veth== [di] idlecut in ${ID}dp [do] ==veth== [so] ${ID}s
#   198.18.0.1                 af_packet  af_packet                198.18.0.2
#   2001:db8::1                                                    2001:db8::2
#
# The client and server are real Linux TCP stacks (idle_conn.py): each connection moves
# 2 MB each way, goes idle, and must get ECONNRESET at both ends at the 2 s timeout, over
# IPv4 and IPv6. idlecut's ends of the veths have no address and no IPv6, so their kernel
# sends nothing of its own.
#
# Offloads: by default a veth hands its peer TCP segments with the checksum left to
# "hardware" (CHECKSUM_PARTIAL) and up to 64 KB long (TSO/GSO: the stack never segments
# for a veth). An AF_PACKET socket gets exactly that: a frame whose TCP checksum covers
# only the pseudo-header, and frames far beyond the MTU, which do not fit net_af_packet's
# 2 KB ring frames. Forwarded by idlecut, such frames leave through a packet socket as
# they are, and the receiving stack drops them (bad checksum) or never gets them
# (truncated). AF_PACKET_OFFLOADS=on runs the test that way to show it: the server's stack
# drops the client's SYN, so no connection ever opens (idlecut resets it in SYN_SENT). So the endpoints' veths run with tx checksumming, TSO and GSO off
# (their stacks put real checksums and MTU-sized segments on the wire, as on a real NIC
# without offloads), and idlecut's ends with GRO off (nothing is merged before the socket).
. "$(dirname "$0")/lib.sh"
require ethtool

TMO=2
C=${ID}c S=${ID}s DP=${ID}dp
ns_add "$C"
ns_add "$S"
ns_add "$DP"
nsx "$DP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# Created in idlecut's namespace, then one end of each moved: no interface in the root
# namespace at any time.
nsx "$DP" ip link add di type veth peer name ci || die "cannot create a veth pair (veth module?)"
nsx "$DP" ip link add do type veth peer name so || die "cannot create a veth pair"
nsx "$DP" ip link set ci netns "$C" || die "cannot move ci to $C"
nsx "$DP" ip link set so netns "$S" || die "cannot move so to $S"
for i in di do; do
	nsx "$DP" ip link set "$i" up
	[ "${AF_PACKET_OFFLOADS:-off}" = on ] ||
		nsx "$DP" ethtool -K "$i" gro off >/dev/null || die "ethtool -K $i gro off failed"
done
nsx "$C" ip addr add 198.18.0.1/24 dev ci
nsx "$S" ip addr add 198.18.0.2/24 dev so
nsx "$C" ip -6 addr add 2001:db8::1/64 dev ci nodad
nsx "$S" ip -6 addr add 2001:db8::2/64 dev so nodad
for e in "$C ci" "$S so"; do
	set -- $e
	[ "${AF_PACKET_OFFLOADS:-off}" = on ] ||
		nsx "$1" ethtool -K "$2" tx off tso off gso off >/dev/null ||
		die "ethtool -K $2 tx off tso off gso off failed"
	nsx "$1" ip link set "$2" up
done

cat >"$WORK/scn.yaml" <<YAML
name: af-packet-e2e
ports:
  - name: wire
    inside: {vdev: "net_af_packet0,iface=di,qpairs=1"}
    outside: {vdev: "net_af_packet1,iface=do,qpairs=1"}
profiles:
  cut: {tcp: {established: ${TMO}s}, on_timeout: reset-both}
default_profile: cut
YAML
start_idlecut "$WORK/scn.yaml" --stats-json --events "$WORK/events.jsonl"

check "IPv4 ping crosses idlecut" nsx "$C" ping -c 3 -i 0.2 -W 2 198.18.0.2 >/dev/null
check "IPv6 ping crosses idlecut" nsx "$C" ping -6 -c 3 -i 0.2 -W 2 2001:db8::2 >/dev/null

# conn NAME ADDR PORT: one idle connection; both ends wait (at most 6 s) for what happens.
conn() {
	local name=$1 addr=$2 port=$3
	nsx "$S" "$PY" "$E2E_DIR/idle_conn.py" server "$addr" "$port" 2000000 wait 6 \
		>"$WORK/$name.srv" 2>&1 &
	local sp=$!
	for _ in $(seq 1 50); do grep -q listening "$WORK/$name.srv" && break; sleep 0.1; done
	nsx "$C" "$PY" "$E2E_DIR/idle_conn.py" client "$addr" "$port" 2000000 wait 6 \
		>"$WORK/$name.cli" 2>&1
	wait $sp
}
field() {
	grep '^{' "$WORK/$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$2',''))"
}
near() { "$PY" -c "import sys; x=float('$1' or 'nan'); sys.exit(0 if $2 <= x <= $3 else 1)"; }

conn v4 198.18.0.2 7001 &
P4=$!
conn v6 2001:db8::2 7002 &
P6=$!
wait $P4 $P6
for n in v4 v6; do
	log "$n: client $(tail -n 1 "$WORK/$n.cli") server $(tail -n 1 "$WORK/$n.srv")"
	for end in cli srv; do
		who=client
		[ $end = srv ] && who=server
		check "$n: the $who moved 2 MB each way, then got ECONNRESET" \
			[ "$(field "$n.$end" event)" = reset ]
		check "$n: the $who was reset within 0.5 s of the timeout" \
			near "$(field "$n.$end" after)" $((TMO - 1)).8 $TMO.5
	done
done

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "events: two connections expired established with 2 RSTs each" \
	[ "$(grep '"event":"expired"' "$WORK/events.jsonl" | grep -c \
		'"state":"established".*"action":"reset-both","rst_sent":2')" = 2 ]
check "counters: 2 RSTs to clients and 2 to servers" \
	[ "$(jget '(j["rst_sent"]["client"], j["rst_sent"]["server"], j["rst_failed"])')" = \
		"(2, 2, 0)" ]
# 2 x 2 MB each way at most 1448 bytes a segment: thousands of frames each way.
check "counters: over 2800 frames received on each port" \
	"$PY" -c "import sys; sys.exit(0 if min($(jget '[p["rx_packets"] for p in j["ports"]]')) > 2800 else 1)"
check "counters: nothing malformed or dropped" \
	[ "$(jget 'sum(j["drops"].values()) + sum(j["malformed"].values())')" = 0 ]
finish
