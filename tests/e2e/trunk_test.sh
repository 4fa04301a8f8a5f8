#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# An access/trunk pair (SPEC §3: an F5 VLAN with an untagged interface on one side and a
# tagged one on the other): the inside port is an access port of VLAN 300, the outside a
# trunk carrying tag 300. The client is a real Linux socket on the untagged side; the server
# is scapy speaking 802.1Q-300 TCP on AF_PACKET (this kernel has no 802.1Q). Checks: the
# client's frames leave the outside tagged 300, the server's tagged frames reach the client
# untagged (captured there), and at the timeout the RST to the server leaves tagged 300 with
# exact seq/ack while the client's socket gets ECONNRESET from an untagged RST.
. "$(dirname "$0")/lib.sh"
require tcpdump

TMO=2
cat >"$WORK/scn.yaml" <<YAML
name: trunk-e2e
ports:
  - name: f5vlan
    inside: {tap: i0, vlan: 300}
    outside: {tap: o0}
profiles:
  cut: {tcp: {established: ${TMO}s}, on_timeout: reset-both}
rules:
  - {match: {vlan: 300}, profile: cut}
default_profile: untracked
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
# The server is scapy, not the kernel: the client cannot resolve its address by ARP.
SMAC=$(nsx "${ID}s0" cat /sys/class/net/o0/address)
nsx "${ID}c0" ip neigh replace 198.18.0.2 lladdr "$SMAC" dev i0 nud permanent ||
	die "cannot add the server's neighbour entry"

# Everything the client's interface sees, tags as they were on the wire.
nsx "${ID}c0" tcpdump --immediate-mode -U -n -i i0 -w "$WORK/client.pcap" tcp port 8300 \
	>"$WORK/tcpdump.out" 2>&1 &
EXTRA_PIDS+=($!)
for _ in $(seq 1 50); do grep -q listening "$WORK/tcpdump.out" && break; sleep 0.1; done
grep -q listening "$WORK/tcpdump.out" || die "tcpdump did not start: $(cat "$WORK/tcpdump.out")"

HOLD=$((TMO + 4))
nsx "${ID}s0" "$PY" "$E2E_DIR/trunk_tcp.py" server o0 300 8300 "$HOLD" "$WORK/ready" \
	>"$WORK/srv.json" 2>"$WORK/srv.err" &
SP=$!
for _ in $(seq 1 100); do [ -e "$WORK/ready" ] && break; sleep 0.1; done
[ -e "$WORK/ready" ] || die "the scapy server did not start: $(cat "$WORK/srv.err")"
nsx "${ID}c0" "$PY" "$E2E_DIR/trunk_tcp.py" client 198.18.0.2 8300 "$HOLD" \
	>"$WORK/cli.json" 2>"$WORK/cli.err"
wait $SP
sleep 0.3
kill "${EXTRA_PIDS[0]}" 2>/dev/null
wait "${EXTRA_PIDS[0]}" 2>/dev/null
log "client: $(cat "$WORK/cli.json")"
log "server: $(cat "$WORK/srv.json")"

jf() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$WORK/$1"; }

check "the connection was set up across the pair (client socket and scapy server)" \
	[ "$(jf cli.json 'j.get("handshake")') $(jf srv.json 'j["handshake"]')" = "True True" ]
check "every frame from the client left the trunk side tagged 300" \
	[ "$(jf srv.json 'j["client_frames"] > 0 and all(t == [{"tpid": 0x8100, "vlan": 300}] for t in j["client_tags"])')" = True ]

# The client's capture: the server's frames (its SYN-ACK, data, and the RST) arrive untagged.
"$PY" - "$WORK/client.pcap" >"$WORK/client-frames.json" 2>"$WORK/client-frames.err" <<'PY'
import json, sys
from scapy.all import Dot1Q, Dot1AD, TCP, rdpcap
out = []
for p in rdpcap(sys.argv[1]):
    if TCP in p and p[TCP].sport == 8300:
        out.append({"flags": str(p[TCP].flags), "tagged": p.haslayer(Dot1Q) or p.haslayer(Dot1AD),
                    "seq": p[TCP].seq})
print(json.dumps(out))
PY
log "client capture (from the server): $(cat "$WORK/client-frames.json")"
cf() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$WORK/client-frames.json"; }
check "the server's frames reached the client untagged" \
	[ "$(cf 'len(j) >= 2 and not any(f["tagged"] for f in j)')" = True ]
check "the client got exactly one RST, untagged" \
	[ "$(cf 'sum(1 for f in j if "R" in f["flags"])')" = 1 ]

check "the client's socket got ECONNRESET at the timeout" \
	[ "$(jf cli.json 'j.get("event") == "reset" and '"$TMO"' - 0.5 <= j["after"] <= '"$TMO"' + 1.2')" = True ]
check "the server got exactly one RST, tagged 300, seq/ack exact, on time" \
	[ "$(jf srv.json 'len(j["rst"]) == 1 and j["rst"][0]["tags"] == [{"tpid": 0x8100, "vlan": 300}] and j["rst"][0]["seq"] == j["want"]["seq"] and j["rst"][0]["ack"] == j["want"]["ack"] and '"$TMO"' - 0.5 <= j["rst"][0]["t"] - j["idle_t0"] <= '"$TMO"' + 1.2')" = True ]

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "counters: one flow of profile cut expired established" \
	[ "$(jget 'j["profiles"]["cut"]["expired"]["established"]')" = 1 ]
check "counters: one RST sent to the client, one to the server, none failed" \
	[ "$(jget 'j["rst_sent"]["client"], j["rst_sent"]["server"], j["rst_failed"]')" = "1 1 0" ]
finish
