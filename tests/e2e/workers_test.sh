#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two workers on one TAP pair (SPEC §3 "Workers"): each polls its own queue of both TAPs.
# 32 parallel real TCP connections (24 IPv4, 8 IPv6) exchange data both ways, then idle past
# a 2 s established timeout: every connection must get ECONNRESET on both ends at its
# timeout, both workers must carry traffic, and no packet may reach a worker that does not
# hold its flow (it would be counted as a stray).
#
# Round 1, steering auto: idlecut trusts the kernel's tun queue choice (README "Workers":
# a symmetric flow hash, the same on both TAPs), so nothing is handed over.
# Round 2, steering: software: the flow hash decides, frames on the wrong queue are handed
# over: handoffs are counted and nothing is dropped.
. "$(dirname "$0")/lib.sh"
require dpdk-telemetry.py

TMO=2
N4=24
N6=8
N=$((N4 + N6))
# Control on CPU 0, worker lcores 1 (CPU 0) and 2 (CPU 1): two workers, two queues.
IC_EAL=(--lcores 0@0,1@0,2@1)

# near X LO HI: LO <= X <= HI (floats)
near() { "$PY" -c "import sys; x=float('$1' or 'nan'); sys.exit(0 if $2 <= x <= $3 else 1)"; }

# ends NAME ROLE EXPR: evaluate EXPR over the connection list `c` of one end's report.
ends() {
	local f=$WORK/$1.cli
	[ "$2" = server ] && f=$WORK/$1.srv
	grep '^{' "$f" | "$PY" -c "import json,sys; r=json.load(sys.stdin); c=r['conns']; print($3)"
}

# run_round NAME STEERING: start idlecut, run the connections, stop it, check.
run_round() {
	local name=$1 steering=$2
	cat >"$WORK/$name.yaml" <<YAML
name: workers-$name
steering: $steering
ports:
  - name: lab
    inside: {tap: i0}
    outside: {tap: o0}
profiles:
  short: {tcp: {established: ${TMO}s}, on_timeout: reset-both, stray_tcp: drop}
rules:
  - {match: {proto: tcp}, profile: short}
# Only the test's connections are tracked (not the kernel's MLD reports and the like).
default_profile: untracked
YAML
	start_idlecut "$WORK/$name.yaml" --stats-json
	cp "$WORK/idlecut.out" "$WORK/$name.start"
	attach_pair 0 i0 o0
	local C=${ID}c0 S=${ID}s0
	check "$name: two workers on pair lab, queues 0 and 1" \
		[ "$(grep -cE '^idlecut: worker lcore [0-9]+: pair lab queue [01] ' "$WORK/$name.start")" = 2 ]
	check "$name: the start-up line names the steering ($steering)" \
		grep -q "steering $([ "$steering" = software ] && echo software || echo 'by the ports')" \
		"$WORK/$name.start"

	# /idlecut/scenario: which worker serves which queue, and how the pair is steered.
	printf '%s\n' /idlecut/scenario | ip netns exec "${ID}dp" dpdk-telemetry.py -f "$ID" \
		2>/dev/null >"$WORK/$name.tele"
	local want_steer="ports (kernel tun"
	[ "$steering" = software ] && want_steer="software (steering: software)"
	check "$name: /idlecut/scenario: two worker lcores on lab, queues 0 and 1; $want_steer" \
		"$PY" - "$WORK/$name.tele" "$want_steer" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sc = {k: v for d in docs for k, v in d.items()}["/idlecut/scenario"]
ws, lab = sc["workers"], sc["port_pairs"]["lab"]
print(ws, lab)
assert sorted(ws) == ["1", "2"], ws
assert sorted(w["lab"] for w in ws.values()) == [0, 1], ws
assert lab["workers"] == 2 and lab["steering"].startswith(sys.argv[2]), lab
PY

	nsx "$S" "$PY" "$E2E_DIR/many_conns.py" server 198.18.0.2 7100 $N4 65536 8 \
		>"$WORK/$name.srv" 2>&1 &
	local sp4=$!
	nsx "$S" "$PY" "$E2E_DIR/many_conns.py" server 2001:db8:0::2 7106 $N6 65536 8 \
		>"$WORK/${name}6.srv" 2>&1 &
	local sp6=$!
	for _ in $(seq 1 50); do
		grep -q listening "$WORK/$name.srv" && grep -q listening "$WORK/${name}6.srv" && break
		sleep 0.1
	done
	nsx "$C" "$PY" "$E2E_DIR/many_conns.py" client 198.18.0.2 7100 $N4 65536 8 \
		>"$WORK/$name.cli" 2>&1 &
	local cp4=$!
	nsx "$C" "$PY" "$E2E_DIR/many_conns.py" client 2001:db8:0::2 7106 $N6 65536 8 \
		>"$WORK/${name}6.cli" 2>&1 &
	local cp6=$!
	# While they idle (set up within ~0.1 s, reset at 2 s): a dump of 8 flows takes 4
	# from each worker (round-robin), not 8 from the first. Asked from 0.3 s on until a
	# dump finds every connection: the telemetry client alone took ~0.8 s to answer on a
	# slow host, and a dump asked at 1.2 s found them all expired.
	sleep 0.3
	for _ in $(seq 1 10); do
		printf '%s\n' /idlecut/flows,8 | ip netns exec "${ID}dp" dpdk-telemetry.py -f "$ID" \
			2>/dev/null >"$WORK/$name.flows"
		"$PY" - "$WORK/$name.flows" $((N4 + N6)) <<'PY' && break
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
fl = {k: v for d in docs for k, v in d.items()}.get("/idlecut/flows", {})
n = sum(sum(st.values()) for st in fl.get("active", {}).values())
sys.exit(0 if n >= int(sys.argv[2]) else 1)
PY
		sleep 0.1
	done
	check "$name: /idlecut/flows,8 samples 4 flows from each worker" \
		"$PY" - "$WORK/$name.flows" <<'PY'
import collections, json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
fl = {k: v for d in docs for k, v in d.items()}["/idlecut/flows"]
by = collections.Counter(e["worker"] for e in fl["sample"].values())
print(dict(by))
assert dict(by) == {1: 4, 2: 4}, by
PY
	wait $cp4 $cp6 $sp4 $sp6
	sleep 0.5
	stop_idlecut
	cp "$WORK/idlecut.out" "$WORK/$name.out"
	for ns in "$C" "$S" "${ID}dp"; do ip netns del "$ns"; done
	NETNS=()

	local v
	for v in "$name" "${name}6"; do
		log "$v client: $(grep '^{' "$WORK/$v.cli" | cut -c1-400)"
		local want=$N4
		[ "$v" = "${name}6" ] && want=$N6
		check "$v: all $want connections ran on both ends, no error" \
			[ "$(ends "$v" client "len(c) == $want and not r['errors']")" = True \
			-a "$(ends "$v" server "len(c) == $want and not r['errors']")" = True ]
		check "$v: every client got ECONNRESET" \
			[ "$(ends "$v" client "sum(x['event'] == 'reset' for x in c)")" = "$want" ]
		check "$v: every server got ECONNRESET" \
			[ "$(ends "$v" server "sum(x['event'] == 'reset' for x in c)")" = "$want" ]
		check "$v: every reset within 0.5 s of the ${TMO} s timeout (both ends)" \
			[ "$(ends "$v" client "all(1.8 <= x.get('after', 0) <= 2.5 for x in c)")" = True \
			-a "$(ends "$v" server "all(1.8 <= x.get('after', 0) <= 2.5 for x in c)")" = True ]
	done

	check "$name: idlecut stopped cleanly" [ "$IC_RC" = 0 ]
	local J="$WORK/$name.out"
	sj() { grep '^{' "$J" | tail -n 1 | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
	log "$name workers: $(sj 'j["workers"]')"
	log "$name stray: $(sj 'j["stray"]') rst_sent: $(sj 'j["rst_sent"]') drops: $(sj 'j["drops"]')"
	check "$name: the summary lists two workers" [ "$(sj 'len(j["workers"])')" = 2 ]
	check "$name: both workers received packets" \
		[ "$(sj 'all(w["rx_packets"] > 0 for w in j["workers"])')" = True ]
	check "$name: both workers hold flows (created > 0)" \
		[ "$(sj 'all(w["flows_created"] > 0 for w in j["workers"])')" = True ]
	check "$name: $N flows created in all" [ "$(sj 'sum(w["flows_created"] for w in j["workers"])')" = $N ]
	check "$name: no stray packet" [ "$(sj 'sum(j["stray"].values())')" = 0 ]
	check "$name: no stray RST" [ "$(sj 'j["rst_sent"]["stray"]')" = 0 ]
	check "$name: $N RSTs to clients and $N to servers" \
		[ "$(sj 'j["rst_sent"]["client"], j["rst_sent"]["server"]')" = "$N $N" ]
	check "$name: $N flows expired established" \
		[ "$(sj 'j["profiles"]["short"]["expired"]["established"]')" = $N ]
	check "$name: no handoff drop" [ "$(sj 'j["handoff_drops"]')" = 0 ]
	check "$name: nothing dropped (but tx_full)" \
		[ "$(sj 'sum(v for k, v in j["drops"].items() if k != "tx_full")')" = 0 ]
	# A TAP refuses writes until its interface is up in its namespace: the kernel's own
	# frames (MLD, router solicitations) from the side that came up first can meet that.
	# The connections start later; a refused frame of theirs would be retransmitted, but
	# more than a handful means the TX queues themselves were short.
	check "$name: at most 4 frames refused by a TAP (before both sides were up)" \
		[ "$(sj 'j["drops"]["tx_full"]')" -le 4 ]
	if [ "$steering" = software ]; then
		check "$name: frames were handed over (handoff_packets > 0)" \
			[ "$(sj 'j["handoff_packets"]')" -gt 0 ]
		check "$name: the workers' handoffs add up to the total" \
			[ "$(sj 'sum(w["handoff_packets"] for w in j["workers"]) == j["handoff_packets"]')" = True ]
	else
		check "$name: nothing handed over (the TAPs steer symmetrically)" \
			[ "$(sj 'j["handoff_packets"]')" = 0 ]
	fi
}

run_round auto auto
run_round software software
finish
