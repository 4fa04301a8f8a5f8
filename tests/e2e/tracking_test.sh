#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP tracking as conntrack does it (SPEC §4, issue 14), on real Linux connections into
# which scapy injects crafted frames from the client's namespace:
#  (a) a forged RST far outside the window does not make idlecut forget the connection:
#      its data still flows and it is still reset at its established timeout;
#  (b) a delayed copy of the connection's first SYN does not put it back in SYN_SENT: after
#      an idle longer than the handshake timeout it still works, and it is cut at the
#      established timeout;
#  (c) an in-window RST does close the flow: it expires from CLOSED, without RSTs;
#  (d) window scaling: several MB with Linux's window scale (7) stay in the window (none is
#      counted out of window, and out_of_window: drop would have dropped it), so at the
#      timeout idlecut's RSTs carry the real numbers and reset both ends.
# Timeouts: handshake 1 s, established 3 s, closing 1 s; stray_tcp: drop, so a flow idlecut
# forgot cannot come back by itself. out_of_window: forward (the default) is written out:
# with it left implicit, main at 1e50f09 never expired the idle flows of these profiles
# although the loaded scenario is byte for byte the same (reported to the lead, not
# understood yet).
. "$(dirname "$0")/lib.sh"
require

TMO=3
XFER=$((8 * 1024 * 1024))
HOLD=6
prof() { echo "{tcp: {handshake: 1s, established: ${TMO}s, closing: 1s, time_wait: 1s}, on_timeout: reset-both, stray_tcp: drop$1}"; }
cat >"$WORK/scn.yaml" <<YAML
name: tracking-e2e
ports:
  - name: lab
    inside: {tap: i0}
    outside: {tap: o0}
profiles:
  forged: $(prof ", out_of_window: forward")
  replay: $(prof ", out_of_window: forward")
  inwin:  $(prof ", out_of_window: forward")
  bulk:   $(prof ", out_of_window: drop")
rules:
  - {match: {proto: tcp, dst_port: 7101}, profile: forged}
  - {match: {proto: tcp, dst_port: 7102}, profile: replay}
  - {match: {proto: tcp, dst_port: 7103}, profile: inwin}
  - {match: {proto: tcp, dst_port: 7104}, profile: bulk}
default_profile: untracked
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
C=${ID}c0 S=${ID}s0
# Linux's window scale comes from the largest receive buffer: Debian's default tcp_rmem
# (6 MiB) gives 7. Set it in both namespaces so the shift does not depend on the host.
for ns in "$C" "$S"; do
	nsx "$ns" sysctl -qw net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_rmem="4096 131072 6291456" \
		net.core.rmem_max=212992 || die "cannot set tcp_rmem in $ns"
done

# run_case NAME PORT SERVER_MODE CASE
run_case() {
	local name=$1 port=$2 mode=$3 case=$4
	nsx "$S" "$PY" "$E2E_DIR/tracking_conn.py" server 198.18.0.2 "$port" "$mode" "$HOLD" \
		>"$WORK/$name.srv" 2>&1 &
	local sp=$!
	for _ in $(seq 1 100); do grep -q listening "$WORK/$name.srv" && break; sleep 0.1; done
	nsx "$C" "$PY" "$E2E_DIR/tracking_conn.py" client i0 198.18.0.2 "$port" "$case" "$HOLD" \
		"$XFER" >"$WORK/$name.cli" 2>&1
	wait $sp
}

# field NAME ROLE KEY: a field of one end's JSON report.
field() {
	local f=$WORK/$1.cli
	[ "$2" = server ] && f=$WORK/$1.srv
	grep '^{' "$f" | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$3',''))"
}

# near X LO HI: LO <= X <= HI (floats)
near() { "$PY" -c "import sys; x=float('$1' or 'nan'); sys.exit(0 if $2 <= x <= $3 else 1)"; }

CASES=()
run_case forged 7101 echo forged-rst & CASES+=($!)
run_case replay 7102 echo syn-replay & CASES+=($!)
run_case inwin 7103 echo rst-in-window & CASES+=($!)
run_case bulk 7104 "bulk:$XFER" bulk & CASES+=($!)
wait "${CASES[@]}"

for c in forged replay inwin bulk; do
	log "$c: client $(grep '^{' "$WORK/$c.cli" || tail -n 3 "$WORK/$c.cli")"
	log "$c: server $(grep '^{' "$WORK/$c.srv" || tail -n 3 "$WORK/$c.srv")"
done

LO=2.6 HI=3.9 # around TMO
# (a)
check "forged RST: data still flows after it" [ "$(field forged client echo)" = True ]
check "forged RST: client reset at the established timeout" \
	[ "$(field forged client event)" = reset ]
check "forged RST: client reset on time ($LO-$HI s)" near "$(field forged client after)" "$LO" "$HI"
check "forged RST: server reset at the established timeout" \
	[ "$(field forged server event)" = reset ]
check "forged RST: server reset on time" near "$(field forged server after)" "$LO" "$HI"
# (b)
check "replayed SYN: the connection works after ${TMO}s > idle > handshake timeout" \
	[ "$(field replay client echo)" = True ]
check "replayed SYN: client reset at the established timeout" \
	[ "$(field replay client event)" = reset ]
check "replayed SYN: client reset on time" near "$(field replay client after)" "$LO" "$HI"
check "replayed SYN: server reset at the established timeout" \
	[ "$(field replay server event)" = reset ]
check "replayed SYN: server reset on time" near "$(field replay server after)" "$LO" "$HI"
# (c)
check "in-window RST: the server accepted it (ECONNRESET at once)" \
	[ "$(field inwin server event)" = reset ]
check "in-window RST: the server was reset at once" near "$(field inwin server after)" 0 1.0
check "in-window RST: idlecut sends the client no RST later" \
	[ "$(field inwin client event)" = timeout ]
# (d)
check "window scale: the SYN offered shift 7" [ "$(field bulk client wscale_syn)" = 7 ]
check "window scale: the SYN+ACK offered shift 7" [ "$(field bulk client wscale_synack)" = 7 ]
check "window scale: all $XFER bytes arrived" [ "$(field bulk client received)" = "$XFER" ]
check "window scale: the bytes are intact" [ "$(field bulk client intact)" = True ]
check "window scale: client reset at the timeout (idlecut tracked the numbers)" \
	[ "$(field bulk client event)" = reset ]
check "window scale: client reset on time" near "$(field bulk client after)" "$LO" "$HI"
check "window scale: server reset at the timeout" [ "$(field bulk server event)" = reset ]

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
pget() { jget "j[\"profiles\"][\"$1\"]$2"; }
check "counters: forged: one flow" [ "$(pget forged '["created"]')" = 1 ]
check "counters: forged: expired established" [ "$(pget forged '["expired"]["established"]')" = 1 ]
check "counters: replay: no restart (one flow created)" [ "$(pget replay '["created"]')" = 1 ]
check "counters: replay: never expired in the handshake" \
	[ "$(pget replay '["expired"]["syn_sent"]')" = 0 ]
check "counters: replay: expired established" [ "$(pget replay '["expired"]["established"]')" = 1 ]
check "counters: in-window RST: expired closed" [ "$(pget inwin '["expired"]["closed"]')" = 1 ]
check "counters: in-window RST: not expired established" \
	[ "$(pget inwin '["expired"]["established"]')" = 0 ]
check "counters: bulk: expired established" [ "$(pget bulk '["expired"]["established"]')" = 1 ]
oow() { jget "j[\"out_of_window\"][\"$1\"]"; }
check "counters: forged: the forged RST, and only it, out of window" [ "$(oow forged)" = 1 ]
check "counters: replay: the SYN copy is no out-of-window segment" [ "$(oow replay)" = 0 ]
check "counters: in-window RST: nothing out of window" [ "$(oow inwin)" = 0 ]
check "counters: bulk: nothing out of window in $XFER bytes" [ "$(oow bulk)" = 0 ]
check "counters: nothing dropped as out of window" [ "$(jget 'j["drops"]["out_of_window"]')" = 0 ]
finish
