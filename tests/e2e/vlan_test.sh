#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VLANs: two port pairs on access VLANs 300 and 301 (SPEC §3) under different profiles,
# the same real TCP traffic on both: the flow on VLAN 300 is cut, the one on 301 lives.
# Then tagged connections (802.1Q and QinQ, crafted with scapy since this kernel has no
# VLAN interfaces) get RSTs with the same tags and the exact sequence numbers.
. "$(dirname "$0")/lib.sh"
require

cat >"$WORK/scn.yaml" <<YAML
name: vlan-e2e
ports:
  - name: v300
    inside: {tap: i0, vlan: 300}
    outside: {tap: o0, vlan: 300}
  - name: v301
    inside: {tap: i1, vlan: 301}
    outside: {tap: o1, vlan: 301}
profiles:
  cut:  {tcp: {established: 2s}, on_timeout: reset-both}
  keep: {tcp: {established: 300s}, on_timeout: reset-both}
rules:
  - {match: {vlan: 300}, profile: cut}
  - {match: {vlan: 301}, profile: keep}
default_profile: untracked
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
attach_pair 1 i1 o1

conn() { # conn PAIR PORT CLIENT_ACTION TAG
	local n=$1 port=$2 ca=$3 tag=$4
	nsx "${ID}s$n" "$PY" "$E2E_DIR/idle_conn.py" server "198.18.$n.2" "$port" 1000000 wait 6 \
		>"$WORK/$tag.srv" 2>&1 &
	local sp=$!
	for _ in $(seq 1 50); do grep -q listening "$WORK/$tag.srv" && break; sleep 0.1; done
	nsx "${ID}c$n" "$PY" "$E2E_DIR/idle_conn.py" client "198.18.$n.2" "$port" 1000000 "$ca" 6 \
		>"$WORK/$tag.cli" 2>&1
	wait $sp
}
ev() { grep '^{' "$WORK/$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

conn 0 8000 wait v300 &
A=$!
conn 1 8000 send-after:3 v301 &
B=$!
wait $A $B
log "v300: $(grep '^{' "$WORK/v300.cli") / $(grep '^{' "$WORK/v300.srv")"
log "v301: $(grep '^{' "$WORK/v301.cli") / $(grep '^{' "$WORK/v301.srv")"
check "VLAN 300 (profile cut): client reset at the timeout" [ "$(ev v300.cli event)" = reset ]
check "VLAN 300 (profile cut): server reset at the timeout" [ "$(ev v300.srv event)" = reset ]
check "VLAN 301 (profile keep): the same traffic survives 3 s idle" [ "$(ev v301.cli event)" = echo ]

# Tagged connections on pair v300: the tags themselves carry VLAN 300, so rule 1 applies.
tagged() { # tagged TAGS PORT
	local tags=$1 port=$2
	local smac
	smac=$(nsx "${ID}s0" cat /sys/class/net/o0/address)
	rm -f "$WORK/ready-$tags"
	nsx "${ID}s0" "$PY" "$E2E_DIR/tagged_rst.py" server o0 "$tags" "$port" 5 "$WORK/ready-$tags" \
		>"$WORK/t-$tags.srv" 2>"$WORK/t-$tags.srv.err" &
	local sp=$!
	for _ in $(seq 1 100); do [ -e "$WORK/ready-$tags" ] && break; sleep 0.1; done
	nsx "${ID}c0" "$PY" "$E2E_DIR/tagged_rst.py" client i0 "$tags" "$port" 4 "$smac" \
		>"$WORK/t-$tags.cli" 2>"$WORK/t-$tags.cli.err"
	wait $sp
}
tagged q 8101 &
A=$!
tagged qinq 8102 &
B=$!
wait $A $B

# rst_ok FILE TAGS: exactly one RST, with the wanted seq/ack and the flow's tags.
rst_ok() {
	"$PY" - "$WORK/$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want_tags = [{"tpid": 0x8100, "vlan": 300}] if sys.argv[2] == "q" else \
    [{"tpid": 0x88A8, "vlan": 100}, {"tpid": 0x8100, "vlan": 300}]
print(json.dumps(r))
ok = (r["handshake"] and len(r["rst"]) == 1
      and r["rst"][0]["seq"] == r["want"]["seq"] and r["rst"][0]["ack"] == r["want"]["ack"]
      and r["rst"][0]["tags"] == want_tags and 1.5 <= r["rst"][0]["t"] - r["idle_t0"] <= 2.6)
sys.exit(0 if ok else 1)
PY
}
check "802.1Q: the client gets one RST, tags and seq/ack exact, on time" rst_ok t-q.cli q
check "802.1Q: the server gets one RST, tags and seq/ack exact, on time" rst_ok t-q.srv q
check "QinQ: the client gets one RST, tags and seq/ack exact, on time" rst_ok t-qinq.cli qinq
check "QinQ: the server gets one RST, tags and seq/ack exact, on time" rst_ok t-qinq.srv qinq

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "counters: 3 flows of profile cut expired established" \
	[ "$(jget 'j["profiles"]["cut"]["expired"]["established"]')" = 3 ]
check "counters: 3 RSTs to clients, 3 to servers" \
	[ "$(jget 'j["rst_sent"]["client"]')" = 3 ] && [ "$(jget 'j["rst_sent"]["server"]')" = 3 ]
check "counters: the VLAN 301 flow was never expired" \
	[ "$(jget 'j["profiles"]["keep"]["expired"]["established"]')" = 0 ]
finish
