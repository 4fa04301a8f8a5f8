#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bounded soak: SOAK_SECONDS (default 60; 600 for the long run) of many short and long
# connections with timeouts firing all the time, a reload every 3 s and telemetry queries.
# At the end: no flow leaked, no mbuf leaked, memory flat, counters consistent.
. "$(dirname "$0")/lib.sh"
require dpdk-telemetry.py
SECS=${SOAK_SECONDS:-60}

write_scn() {
	cat >"$WORK/scn.yaml.new" <<YAML
name: soak-e2e
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
flow_table: {capacity: 65536}
profiles:
  p: {tcp: {handshake: 2s, established: $1, closing: 1s, time_wait: 1s}, udp: 1s, icmp: 1s, other: 1s,
      on_timeout: reset-both}
default_profile: p
YAML
	mv "$WORK/scn.yaml.new" "$WORK/scn.yaml"
}
write_scn 1s
start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
C=${ID}c0 S=${ID}s0
tele() { printf '%s\n' "$@" | ip netns exec "${ID}dp" dpdk-telemetry.py -f "$ID" 2>/dev/null; }
stat() { tele /idlecut/stats | "$PY" -c "import json,sys; j=json.loads(sys.stdin.readline())['/idlecut/stats']; print($1)"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$IC_PID/status"; }

MB0=$(stat 'j["mbufs_in_use"]')
log "soak for $SECS s; mbufs in use at start: $MB0"
nsx "$S" "$PY" "$E2E_DIR/soak_load.py" server 198.18.0.2 7100 "$SECS" >"$WORK/srv.log" 2>&1 &
EXTRA_PIDS+=($!)
sleep 0.5
nsx "$C" "$PY" "$E2E_DIR/soak_load.py" client 198.18.0.2 7100 "$SECS" 6 1.6 >"$WORK/cli.log" 2>&1 &
CP=$!
T0=$(date +%s)
RSS_EARLY=
i=0
while kill -0 $CP 2>/dev/null; do
	sleep 1
	i=$((i + 1))
	if [ $((i % 3)) = 0 ]; then
		# Alternate two valid timeouts: flows keep running across every reload.
		if [ $((i % 6)) = 0 ]; then write_scn 1s; else write_scn 1200ms; fi
		kill -HUP "$IC_PID"
	fi
	[ $((i % 2)) = 0 ] && tele /idlecut/stats /idlecut/flows,8 >/dev/null
	[ "$i" = 10 ] && RSS_EARLY=$(rss)
	[ $((i % 10)) = 0 ] && log "soak: $((SECS - $(date +%s) + T0)) s left, $(stat 'sum(j["flows_active"].values())') flows active, RSS $(rss) kB"
done
wait $CP
log "load: $(cat "$WORK/cli.log")"
sleep 3 # every timeout (2 s at most) has passed
ACTIVE=$(stat 'sum(j["flows_active"].values())')
MB1=$(stat 'j["mbufs_in_use"]')
RSS_END=$(rss)
log "after the load: active flows $ACTIVE, mbufs in use $MB1 (start $MB0), RSS ${RSS_EARLY} -> ${RSS_END} kB"
check "no flow leaked: active flows back to 0" [ "$ACTIVE" = 0 ]
check "no mbuf leaked: in-use count back to its start" [ "$MB1" = "$MB0" ]
# Under AddressSanitizer freed memory waits in its quarantine (up to 256 MB), so RSS
# grows without a leak; there LeakSanitizer checks leaks at exit (a leak fails the stop).
RSS_MAX_KB=8192
if ldd "$IDLECUT" | grep -q libasan; then
	RSS_MAX_KB=65536
	log "ASan build: RSS bound $RSS_MAX_KB kB (quarantine); leaks are checked at exit"
fi
check "memory flat: RSS grew less than $RSS_MAX_KB kB after the first 10 s" \
	[ $((RSS_END - ${RSS_EARLY:-$RSS_END})) -lt $RSS_MAX_KB ]
check "load: short connections worked" \
	"$PY" -c "import json,sys; c=json.loads(open('$WORK/cli.log').read().splitlines()[-1]); sys.exit(0 if c['short_ok'] > 100 and c['short_fail'] == 0 else 1)"
check "load: long idle connections were reset" \
	"$PY" -c "import json,sys; c=json.loads(open('$WORK/cli.log').read().splitlines()[-1]); sys.exit(0 if c['long_reset'] > 5 and c['long_other'] == 0 else 1)"
stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "reloads all ok" [ "$(jget 'j["reloads"]["error"]')" = 0 ] && [ "$(jget 'j["reloads"]["ok"]')" -ge $((SECS / 3 - 2)) ]
check "counters consistent: created = expired + closed + active" \
	"$PY" -c "
import json,sys
j = json.loads([l for l in open('$WORK/idlecut.out') if l.startswith('{')][-1])
p = j['profiles']['p']
print(p['created'], sum(p['expired'].values()), p['closed'], p['active'])
sys.exit(0 if p['created'] == sum(p['expired'].values()) + p['closed'] + p['active'] else 1)"
check "no drop by idlecut's own decision but strays (malformed, table_full)" \
	[ "$(jget 'j["drops"]["table_full"] + j["drops"]["malformed"]')" = 0 ]
check "nothing lost silently: rx + RSTs = tx + drops (a TAP queue may refuse: tx_full)" \
	"$PY" -c "
import json,sys
j = json.loads([l for l in open('$WORK/idlecut.out') if l.startswith('{')][-1])
rx = sum(p['rx_packets'] for p in j['ports']); tx = sum(p['tx_packets'] for p in j['ports'])
rst = sum(j['rst_sent'].values()); drops = sum(j['drops'].values())
print('rx', rx, 'rst', rst, 'tx', tx, 'drops', j['drops'])
sys.exit(0 if rx + rst == tx + drops else 1)"
finish
