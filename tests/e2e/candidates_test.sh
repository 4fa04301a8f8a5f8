#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Both RST candidates with real Linux endpoints (SPEC §4): data in flight that the receiver
# has not acknowledged, as idlecut saw it. Two connections through one idlecut, each with an
# nft rule in the server's namespace only, installed once the connection is up:
#   acklost  (port 8401): the server's ACKs are dropped on its egress. The server took the
#            client's late data (its RCV.NXT advanced), idlecut never saw the ACK.
#   datalost (port 8402): the client's data is dropped before the server (its RCV.NXT is the
#            old one), idlecut saw the data go by.
# Either way idlecut cannot know which of its two candidates the server accepts, so at the
# timeout it sends both (seq = the server's last ACK seen, seq = the client's next), and the
# server's socket gets ECONNRESET. RSTs are counted on the wire (tcpdump in the server's
# namespace) and in rst_sent.
. "$(dirname "$0")/lib.sh"
require tcpdump nft

TMO=2
HOLD=14
cat >"$WORK/scn.yaml" <<YAML
name: candidates-e2e
ports:
  - name: lab
    inside: {tap: i0}
    outside: {tap: o0}
profiles:
  cut: {tcp: {established: ${TMO}s}, on_timeout: reset-both}
rules:
  - {match: {proto: tcp, dst_port: 8401-8402}, profile: cut}
default_profile: untracked
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0

nsx "${ID}s0" tcpdump --immediate-mode -U -n -i o0 -w "$WORK/server.pcap" tcp portrange 8401-8402 \
	>"$WORK/tcpdump.out" 2>&1 &
TCPDUMP=$!
EXTRA_PIDS+=($TCPDUMP)
for _ in $(seq 1 50); do grep -q listening "$WORK/tcpdump.out" && break; sleep 0.1; done
grep -q listening "$WORK/tcpdump.out" || die "tcpdump did not start: $(cat "$WORK/tcpdump.out")"

# The server namespace's own table (gone with the namespace).
nsx "${ID}s0" nft add table inet idlecut_test || die "nft: cannot add a table in ${ID}s0"
nsx "${ID}s0" nft add chain inet idlecut_test in '{ type filter hook input priority 0; }' &&
	nsx "${ID}s0" nft add chain inet idlecut_test out '{ type filter hook output priority 0; }' ||
	die "nft: cannot add chains in ${ID}s0"

# run_case NAME PORT NFT_RULE: one connection, the rule installed between READY and GO.
run_case() {
	local name=$1 port=$2 rule=$3
	nsx "${ID}s0" "$PY" "$E2E_DIR/candidates_conn.py" server 198.18.0.2 "$port" "$HOLD" \
		>"$WORK/$name.srv" 2>"$WORK/$name.srv.err" &
	local sp=$!
	for _ in $(seq 1 50); do grep -q listening "$WORK/$name.srv" && break; sleep 0.1; done
	nsx "${ID}c0" "$PY" "$E2E_DIR/candidates_conn.py" client 198.18.0.2 "$port" "$HOLD" \
		"$WORK/$name.ready" "$WORK/$name.go" >"$WORK/$name.cli" 2>"$WORK/$name.cli.err" &
	local cp=$!
	for _ in $(seq 1 100); do [ -e "$WORK/$name.ready" ] && break; sleep 0.1; done
	[ -e "$WORK/$name.ready" ] || die "$name: the connection did not come up: $(cat "$WORK/$name.cli.err")"
	# shellcheck disable=SC2086 # the rule is words for nft
	nsx "${ID}s0" nft add rule inet idlecut_test $rule || die "$name: nft rule refused: $rule"
	touch "$WORK/$name.go"
	wait $cp
	wait $sp
	log "$name: client $(tail -n 1 "$WORK/$name.cli") server $(tail -n 1 "$WORK/$name.srv")"
}

# The RST itself must reach the server (and the kernel's own RSTs are not at issue): match
# only segments without RST.
run_case acklost 8401 "out tcp sport 8401 tcp flags & rst == 0 drop"
run_case datalost 8402 "in tcp dport 8402 tcp flags & rst == 0 drop"
sleep 0.3
kill "$TCPDUMP" 2>/dev/null
wait "$TCPDUMP" 2>/dev/null

# wire PORT: from the server's capture, the RSTs to the server and the two candidates.
wire() {
	"$PY" - "$WORK/server.pcap" "$1" <<'PY'
import json, sys
from scapy.all import IP, TCP, rdpcap
port = int(sys.argv[2])
to_srv = [p for p in rdpcap(sys.argv[1]) if TCP in p and p[TCP].dport == port]
from_srv = [p for p in rdpcap(sys.argv[1]) if TCP in p and p[TCP].sport == port]
rst = [p[TCP].seq for p in to_srv if p[TCP].flags & 0x04]
data = [p for p in to_srv if not p[TCP].flags & 0x04]
# The client's next: the end of the furthest segment it sent (SYN and FIN count one).
nxt = max((p[TCP].seq + len(p[TCP].payload) + (1 if p[TCP].flags & 0x03 else 0)) & 0xFFFFFFFF
          for p in data)
last_ack = [p[TCP].ack for p in from_srv if p[TCP].flags & 0x10][-1]
print(json.dumps({"rst_seqs": sorted(rst), "candidates": sorted({last_ack, nxt})}))
PY
}
for c in acklost:8401 datalost:8402; do
	name=${c%%:*}
	wire "${c##*:}" >"$WORK/$name.wire" 2>"$WORK/$name.wire.err" ||
		log "$name: cannot read the capture: $(tail -n 1 "$WORK/$name.wire.err")"
	log "$name: on the wire to the server: $(cat "$WORK/$name.wire")"
done

# jf FILE EXPR: EXPR on the last line of FILE (a JSON report) as j.
jf() { tail -n 1 "$WORK/$1" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null; }

check "acklost: the server took the late data (its RCV.NXT advanced)" \
	[ "$(jf acklost.srv 'j["late_bytes"]')" = 100 ]
check "datalost: the server never got the late data (its RCV.NXT is the old one)" \
	[ "$(jf datalost.srv 'j["late_bytes"]')" = 0 ]
for name in acklost datalost; do
	check "$name: the two candidates differ" \
		[ "$(jf $name.wire 'len(j["candidates"])')" = 2 ]
	check "$name: exactly two RSTs reached the server, one at each candidate" \
		[ "$(jf $name.wire 'j["rst_seqs"] == j["candidates"]')" = True ]
	check "$name: the server's socket got ECONNRESET" \
		[ "$(jf $name.srv 'j["event"]')" = reset ]
	check "$name: the client's socket got ECONNRESET" \
		[ "$(jf $name.cli 'j["event"]')" = reset ]
done

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "counters: two flows of profile cut expired established" \
	[ "$(jget 'j["profiles"]["cut"]["expired"]["established"]')" = 2 ]
check "counters: rst_sent server 4 (two per flow), client 2, none failed" \
	[ "$(jget 'j["rst_sent"]["server"], j["rst_sent"]["client"], j["rst_failed"]')" = "4 2 0" ]
finish
