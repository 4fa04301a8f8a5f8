#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Jumbo frames (SPEC §12): a pair with mtu: 9000 on net_pcap ports (in DPDK 22.11 the TAP
# driver takes MTU 1504 at most and net_af_packet/net_memif 1500: net_pcap is the port kind
# here that carries 9000-byte frames, and it delivers them as mbuf chains). A 9014-byte
# frame crosses whole and is tracked across the chain (the RST after it carries the right
# sequence number); a frame past the MTU is dropped and counted (drops{oversize}).
. "$(dirname "$0")/lib.sh"
require

TMO=2
"$PY" "$E2E_DIR/jumbo_frames.py" make "$WORK/in.pcap" "$WORK/empty.pcap" 2>/dev/null ||
	die "cannot craft the input capture with scapy"
cat >"$WORK/scn.yaml" <<YAML
name: jumbo-e2e
ports:
  - name: cap
    mtu: 9000
    inside: {vdev: "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out-inside.pcap"}
    outside: {vdev: "net_pcap1,rx_pcap=$WORK/empty.pcap,tx_pcap=$WORK/out-outside.pcap"}
profiles:
  cut: {tcp: {handshake: ${TMO}s, established: ${TMO}s}, on_timeout: reset-both}
default_profile: cut
YAML

start_idlecut "$WORK/scn.yaml" --stats-json --events "$WORK/events.jsonl"
wait_expiries 2 "$WORK/events.jsonl" $((TMO + 3)) || log "fewer than 2 expiries in the events file"
stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]

"$PY" "$E2E_DIR/jumbo_frames.py" check "$WORK/in.pcap" "$WORK/out-inside.pcap" \
	"$WORK/out-outside.pcap" >"$WORK/check.out" 2>&1
checks_from "$WORK/check.out"
check "counters: one frame dropped as oversize, nothing else dropped" \
	[ "$(jget '(j["drops"]["oversize"], sum(j["drops"].values()))')" = "(1, 1)" ]
check "counters: nothing malformed (the chained frame parsed whole)" \
	[ "$(jget 'sum(j["malformed"].values())')" = 0 ]
finish
