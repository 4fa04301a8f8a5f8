#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile traffic: broken frames of every kind, a SYN flood beyond the table's capacity,
# RSTs and FINs for unknown flows, overlapping sequence numbers. idlecut must stay up, count
# each under its reason, and carry a normal TCP connection afterwards.
. "$(dirname "$0")/lib.sh"
require

cat >"$WORK/scn.yaml" <<YAML
name: hostile-e2e
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
flow_table: {capacity: 256, when_full: drop}
profiles:
  p: {tcp: {handshake: 2s, established: 30s}, stray_tcp: drop}
default_profile: p
YAML
start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
C=${ID}c0 S=${ID}s0
SMAC=$(nsx "$S" cat /sys/class/net/o0/address)

nsx "$C" "$PY" "$E2E_DIR/hostile.py" i0 "$SMAC" "$WORK/sent.json" >"$WORK/hostile.log" 2>&1
check "hostile frames sent" [ -s "$WORK/sent.json" ]
log "sent: $(cat "$WORK/sent.json")"
sleep 0.5
check "idlecut is still running" kill -0 "$IC_PID"

# A normal connection afterwards (the flood's flows still fill the table for 2 s: wait).
sleep 2.5
check "a normal 5 MB TCP transfer works afterwards" \
	bash -c "nsx() { ip netns exec \"\$@\"; }; \
	  ip netns exec $S $PY $E2E_DIR/tcp_xfer.py server 198.18.0.2 7777 >$WORK/x.srv & \
	  sleep 0.5; a=\$(ip netns exec $C $PY $E2E_DIR/tcp_xfer.py client 198.18.0.2 7777 5242880); \
	  wait; [ \"\$a\" = \"\$(tail -1 $WORK/x.srv)\" ]"

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
sent() { "$PY" -c "import json; print(json.load(open('$WORK/sent.json'))['$1']['sent'])"; }
mal() { jget "j['malformed']['$1']"; }
for r in truncated bad_ipv4_header bad_ipv4_length bad_tcp_offset bad_ipv6_ext too_many_vlans \
	bad_tcp_flags; do
	check "malformed{$r} counted ($(mal $r))" [ "$(mal $r)" -ge 1 ]
done
check "every truncated frame the kernel sent was counted as malformed" \
	[ "$(jget "sum(j['malformed'].values())")" -ge "$(sent truncated)" ]
check "SYN flood: table full counted" [ "$(jget "j['flow_table_full']")" -ge 100 ]
check "SYN flood: when_full drop counted as drops{table_full}" \
	[ "$(jget "j['drops']['table_full']")" -ge 100 ]
check "stray RSTs and FINs dropped and counted" [ "$(jget "j['stray']['drop']")" -ge 20 ]
check "no RST sent in answer to strays (stray_tcp: drop)" [ "$(jget "j['rst_sent']['stray']")" = 0 ]
finish
