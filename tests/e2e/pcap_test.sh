#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# net_pcap ports: a capture in, a capture out. Both sides of the pair are net_pcap vdevs.
#
#   in.pcap --rx--> [inside: net_pcap0] idlecut [outside: net_pcap1] --tx--> out-outside.pcap
#   out-inside.pcap <--tx--'                             empty.pcap --rx--'
#
# in.pcap (scapy, pcap_frames.py) is what a tap on the client side of the wire records: two
# TCP connections (IPv4, and IPv6 with the client's sequence numbers near 2^31, the
# server's wrapping past 2^32), handshake, data both ways, the last ACK, then nothing. The
# whole capture enters on the inside port, so idlecut sees each connection's packets in
# capture order (with one file per side, the order between the two files would depend on
# which port the worker polls first). net_pcap reads its file as fast as it is polled and
# then returns empty bursts: idlecut keeps running, and with 2 s timeouts each connection
# is reset 2 s after its last frame. out-outside.pcap must hold the input unchanged, then
# the RSTs to the servers; out-inside.pcap the RSTs to the clients. pcap_frames.py checks
# every field, the checksums and the timing; idlecut's counters and events file must agree.
# No namespace or root privilege is needed for the ports themselves; idlecut still runs in
# a namespace of its own (start_idlecut) like every e2e test.
. "$(dirname "$0")/lib.sh"
require

TMO=2
"$PY" "$E2E_DIR/pcap_frames.py" make "$WORK/in.pcap" "$WORK/empty.pcap" ||
	die "cannot craft the input capture with scapy"
cat >"$WORK/scn.yaml" <<YAML
name: pcap-e2e
ports:
  - name: cap
    inside: {vdev: "net_pcap0,rx_pcap=$WORK/in.pcap,tx_pcap=$WORK/out-inside.pcap"}
    outside: {vdev: "net_pcap1,rx_pcap=$WORK/empty.pcap,tx_pcap=$WORK/out-outside.pcap"}
profiles:
  cut: {tcp: {handshake: ${TMO}s, established: ${TMO}s}, on_timeout: reset-both}
default_profile: cut
YAML

start_idlecut "$WORK/scn.yaml" --stats-json --events "$WORK/events.jsonl"
# The capture is read within milliseconds; the resets come TMO s after it. Wait for both
# expiries in the events file (bounded), then stop: net_pcap flushes its output on close.
wait_expiries 2 "$WORK/events.jsonl" $((TMO + 3)) || log "fewer than 2 expiries in the events file"
stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]

"$PY" "$E2E_DIR/pcap_frames.py" check "$WORK/in.pcap" "$WORK/out-inside.pcap" \
	"$WORK/out-outside.pcap" "$TMO" >"$WORK/check.out" 2>&1
checks_from "$WORK/check.out"

ev() {
	"$PY" -c "
import json, sys
ev = [json.loads(l) for l in open('$WORK/events.jsonl') if '\"expired\"' in l]
print($1)"
}
check "events: two expiries, both established, timeout, reset-both, 2 RSTs each" \
	[ "$(ev '[(e["state"], e["reason"], e["action"], e["rst_sent"]) for e in ev]')" = \
		"[('established', 'timeout', 'reset-both', 2), ('established', 'timeout', 'reset-both', 2)]" ]
check "counters: 14 frames in on the inside, none on the outside" \
	[ "$(jget '[p["rx_packets"] for p in j["ports"]]')" = "[14, 0]" ]
check "counters: 2 RSTs to clients, 2 to servers, none failed" \
	[ "$(jget '(j["rst_sent"]["client"], j["rst_sent"]["server"], j["rst_failed"])')" = \
		"(2, 2, 0)" ]
check "counters: nothing dropped" [ "$(jget 'sum(j["drops"].values())')" = 0 ]
finish
