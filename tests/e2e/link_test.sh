#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# NIC counters and link state (SPEC §7): a TAP port's link set down inside idlecut's
# namespace is logged and idlecut_port_link_up{port} goes to 0 (the other port stays 1),
# then back up -> logged and 1 again; the NIC's own counters (rte_eth_stats) are in
# /metrics, telemetry (/idlecut/stats, /idlecut/ports) and the summary, and the driver's
# xstats answer on /idlecut/xstats.
. "$(dirname "$0")/lib.sh"
require dpdk-telemetry.py curl

cat >"$WORK/scn.yaml" <<YAML
name: link-e2e
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
profiles:
  p: {on_timeout: silent}
default_profile: p
YAML
METRICS=127.0.0.1:$((20000 + $$ % 20000))
start_idlecut "$WORK/scn.yaml" --stats-json --metrics "$METRICS"
DP=${ID}dp
tele() { printf '%s\n' "$@" | ip netns exec "$DP" dpdk-telemetry.py -f "$ID" 2>/dev/null; }
metric() { # metric SERIES: its value in a fresh scrape, or "none"
	nsx "$DP" curl -sf "http://$METRICS/metrics" >"$WORK/metrics.txt" || { echo none; return; }
	"$PY" "$E2E_DIR/prom_check.py" "$WORK/metrics.txt" --get "$1" 2>/dev/null || echo none
}
# wait_metric SERIES VALUE: up to 3 s (the control thread polls links every second).
wait_metric() {
	local i
	for i in $(seq 1 30); do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	log "$1 is $(metric "$1"), expected $2"
	return 1
}
IN='idlecut_port_link_up{port="lab/inside"}'
OUT='idlecut_port_link_up{port="lab/outside"}'

check "both TAP links are up at start" wait_metric "$IN" 1
check "... outside too" wait_metric "$OUT" 1
check "/metrics with the NIC series passes the strict format check" \
	"$PY" "$E2E_DIR/prom_check.py" "$WORK/metrics.txt"
for c in ipackets opackets ibytes obytes imissed ierrors oerrors rx_nombuf; do
	check "/metrics has idlecut_port_${c}_total for lab/inside" \
		[ "$(metric "idlecut_port_${c}_total{port=\"lab/inside\"}")" != none ]
done

nsx "$DP" ip link set i0 down
check "link down: idlecut_port_link_up{lab/inside} goes 0" wait_metric "$IN" 0
check "... the other port stays up" [ "$(metric "$OUT")" = 1 ]
check "... and the change is logged" grep -q '^idlecut: port lab/inside: link down$' \
	"$WORK/idlecut.err"
tele /idlecut/ports "/idlecut/xstats,lab/inside" /idlecut/stats >"$WORK/tele.json"
tel_ok() {
	"$PY" - "$WORK/tele.json" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
got = {k: v for d in docs for k, v in d.items()}
p, x, s = got["/idlecut/ports"], got["/idlecut/xstats"], got["/idlecut/stats"]
assert p["lab/inside"]["link"] == "down" and p["lab/outside"]["link"] == "up", p
assert p["lab/inside"]["driver"] == "net_tap", p
for k in ("imissed", "ierrors", "oerrors", "rx_nombuf", "ipackets", "opackets"):
    assert k in p["lab/inside"], (k, p)
assert s["port_link_up"] == {"lab/inside": 0, "lab/outside": 1}, s["port_link_up"]
assert "port_imissed" in s and "port_rx_nombuf" in s, sorted(s)
assert isinstance(x, dict) and "rx_good_packets" in x, x
print("telemetry ok")
PY
}
check "telemetry: /idlecut/ports, /idlecut/stats show the link down, xstats answer" tel_ok

nsx "$DP" ip link set i0 up
check "link up again: idlecut_port_link_up{lab/inside} goes 1" wait_metric "$IN" 1
check "... and the change is logged" grep -q '^idlecut: port lab/inside: link up' \
	"$WORK/idlecut.err"

stop_idlecut
check "idlecut stops cleanly (exit 0)" [ "$IC_RC" = 0 ]
check "summary has a nic line per port" [ "$(grep -c '^  nic  lab/' "$WORK/idlecut.out")" = 2 ]
check "JSON summary has the NIC counters and link" \
	[ "$(jget '",".join(str(p["nic"]["link_up"]) + ":" + str("imissed" in p["nic"]) for p in j["ports"])')" = "True:True,True:True" ]
finish
