#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Flow engine e2e with real Linux TCP: each on_timeout / stray_tcp setting, on its own
# connection (selected by destination port rules), all at once through one idlecut.
# Timeouts are 2 s; every case also checks idlecut's counters.
. "$(dirname "$0")/lib.sh"
require

TMO=2
cat >"$WORK/scn.yaml" <<YAML
name: timeout-e2e
ports:
  - name: lab
    inside: {tap: i0}
    outside: {tap: o0}
profiles:
  both:   {tcp: {established: ${TMO}s}, on_timeout: reset-both}
  client: {tcp: {established: ${TMO}s}, on_timeout: reset-client}
  server: {tcp: {established: ${TMO}s}, on_timeout: reset-server}
  sdrop:  {tcp: {established: ${TMO}s}, on_timeout: silent, stray_tcp: drop}
  sreset: {tcp: {established: ${TMO}s}, on_timeout: silent, stray_tcp: reset}
  sadopt: {tcp: {established: ${TMO}s}, on_timeout: silent, stray_tcp: adopt}
  both6:  {tcp: {established: ${TMO}s}, on_timeout: reset-both}
  udp:    {udp: {single: 1s, stream: ${TMO}s}, on_timeout: reset-both}
  long:   {tcp: {established: 300s}}
rules:
  - {match: {proto: tcp, dst: "2001:db8::/32", dst_port: 7001}, profile: both6}
  - {match: {proto: tcp, dst_port: 7001}, profile: both}
  - {match: {proto: tcp, dst_port: 7002}, profile: client}
  - {match: {proto: tcp, dst_port: 7003}, profile: server}
  - {match: {proto: tcp, dst_port: 7004}, profile: sdrop}
  - {match: {proto: tcp, dst_port: 7005}, profile: sreset}
  - {match: {proto: tcp, dst_port: 7006}, profile: sadopt}
  - {match: {proto: tcp, dst_port: 7007}, profile: long}
  - {match: {proto: udp}, profile: udp}
default_profile: untracked
YAML

start_idlecut "$WORK/scn.yaml" --stats-json
attach_pair 0 i0 o0
C=${ID}c0 S=${ID}s0

# run_case NAME ADDR PORT SERVER_ACTION CLIENT_ACTION HOLD [USER_TIMEOUT_MS]
run_case() {
	local name=$1 addr=$2 port=$3 sa=$4 ca=$5 hold=$6 uto=${7:-}
	nsx "$S" "$PY" "$E2E_DIR/idle_conn.py" server "$addr" "$port" 2000000 "$sa" "$hold" \
		>"$WORK/$name.srv" 2>&1 &
	local sp=$!
	for _ in $(seq 1 50); do grep -q listening "$WORK/$name.srv" && break; sleep 0.1; done
	nsx "$C" "$PY" "$E2E_DIR/idle_conn.py" client "$addr" "$port" 2000000 "$ca" "$hold" $uto \
		>"$WORK/$name.cli" 2>&1
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
run_case both 198.18.0.2 7001 wait wait 6 & CASES+=($!)
run_case client 198.18.0.2 7002 wait wait 5 & CASES+=($!)
run_case server 198.18.0.2 7003 wait wait 5 & CASES+=($!)
# After the flow is forgotten, the client sends: no answer ever (bounded by TCP_USER_TIMEOUT).
run_case sdrop 198.18.0.2 7004 wait send-after:3 7 2000 & CASES+=($!)
run_case sreset 198.18.0.2 7005 wait send-after:3 6 & CASES+=($!)
run_case sadopt 198.18.0.2 7006 wait send-after:3 6 & CASES+=($!)
run_case both6 2001:db8:0::2 7001 wait wait 6 & CASES+=($!)
run_case long 198.18.0.2 7007 wait send-after:3 6 & CASES+=($!)
wait "${CASES[@]}"

for c in both client server sdrop sreset sadopt both6 long; do
	log "$c: client $(grep '^{' "$WORK/$c.cli") server $(grep '^{' "$WORK/$c.srv")"
done

check "reset-both: client gets ECONNRESET at the timeout" \
	[ "$(field both client event)" = reset ]
check "reset-both: client reset within 0.5 s of the timeout" near "$(field both client after)" 1.8 2.5
check "reset-both: server gets ECONNRESET at the timeout" [ "$(field both server event)" = reset ]
check "reset-both: server reset within 0.5 s of the timeout" near "$(field both server after)" 1.8 2.5
check "reset-both over IPv6: client reset" [ "$(field both6 client event)" = reset ]
check "reset-both over IPv6: server reset" [ "$(field both6 server event)" = reset ]
check "reset-both over IPv6: on time" near "$(field both6 server after)" 1.8 2.5
check "reset-client: client reset" [ "$(field client client event)" = reset ]
check "reset-client: server sees nothing" [ "$(field client server event)" = timeout ]
check "reset-server: server reset" [ "$(field server server event)" = reset ]
check "reset-server: client sees nothing" [ "$(field server client event)" = timeout ]
check "silent + stray drop: the late send is never answered" \
	[ "$(field sdrop client event)" = user-timeout ]
check "silent + stray drop: server receives nothing" [ "$(field sdrop server event)" = timeout ]
check "silent + stray reset: sender gets ECONNRESET at its next send" \
	[ "$(field sreset client event)" = reset ]
check "silent + stray reset: reset right after the send (3 s idle)" \
	near "$(field sreset client after)" 2.9 3.6
check "silent + stray reset: the other side sees nothing" [ "$(field sreset server event)" = timeout ]
check "stray adopt: the late send reaches the server" [ "$(field sadopt server event)" = data ]
check "stray adopt: the client gets the echo" [ "$(field sadopt client event)" = echo ]
check "300 s profile: connection survives 3 s idle" [ "$(field long client event)" = echo ]

# UDP: flows expire silently. A single packet (udp.single 1 s) and an exchange (stream 2 s).
nsx "$C" "$PY" - <<'PY'
import socket, time
a = socket.socket(); a.close()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"one-way", ("198.18.0.2", 9999))
PY
nsx "$S" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.0.2", 9998)); s.settimeout(5)
d, a = s.recvfrom(100); s.sendto(d, a)' &
UP=$!
sleep 0.3
nsx "$C" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"ping", ("198.18.0.2", 9998)); print(s.recvfrom(100)[0])' >"$WORK/udp.cli" 2>&1
wait $UP
check "UDP exchange works" grep -q ping "$WORK/udp.cli"
sleep $((TMO + 1))

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
P='j["profiles"]'
exp() { jget "$P[\"$1\"][\"expired\"][\"$2\"]"; }
check "counters: reset-both flow expired established" [ "$(exp both established)" = 1 ]
check "counters: reset-both IPv6 flow expired established" [ "$(exp both6 established)" = 1 ]
check "counters: RSTs to client = 3 (both, both6, client)" [ "$(jget 'j["rst_sent"]["client"]')" = 3 ]
check "counters: RSTs to server = 3 (both, both6, server)" [ "$(jget 'j["rst_sent"]["server"]')" = 3 ]
check "counters: stray RSTs >= 1" [ "$(jget 'j["rst_sent"]["stray"]')" -ge 1 ]
check "counters: stray drops >= 1" [ "$(jget 'j["stray"]["drop"]')" -ge 1 ]
check "counters: stray adopted >= 1" [ "$(jget 'j["stray"]["adopt"]')" -ge 1 ]
check "counters: silent profiles sent no timeout RST" [ "$(exp sdrop established)" = 1 ]
check "counters: UDP single flow expired" [ "$(exp udp udp_single)" = 1 ]
check "counters: UDP stream flow expired" [ "$(exp udp udp_stream)" = 1 ]
# The 300 s connection was closed by its ends (FIN both ways): tracked to TIME_WAIT.
check "counters: closed connection expired from time_wait" [ "$(exp long time_wait)" = 1 ]
check "counters: closed connection never expired established" [ "$(exp long established)" = 0 ]
check "counters: lateness max <= 10 ms" \
	"$PY" -c "import sys; sys.exit(0 if $(jget 'j["expiry_lateness"]["max_seconds"]') <= 0.010 else 1)"
finish
