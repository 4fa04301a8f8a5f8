#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab's seed-case reproduction, scaled by 0.02 (timeout 300 s -> 6 s, heartbeat
# 480 s -> 9.6 s): `lab/idlecut-lab repro` with real nginx, the long-poll backend and the
# Ping client, then checks of the raw evidence it leaves (not of its own verdict only):
#   cutoff: 5xx at the timeout (not before, at most 1 s after), the backend saw its
#           connection reset, idlecut sent exactly 1 RST to each side, the RST is in the
#           backend-side capture, nginx logged the reset from upstream
#   short-heartbeat, keepalive, raised-timeout: 200 with Ping Status 1 at the heartbeat,
#           no RST
# then `up` + `down` and an interrupted repro (SIGINT to its process group, as Ctrl-C):
# no iclab- namespace, interface or process may remain. Needs root, /dev/net/tun, nginx,
# tcpdump, /usr/bin/python3 (python3-yaml); fails (never skips) without them.
. "$(dirname "$0")/lib.sh"
require nginx tcpdump ss ping
"$PY" -c 'import yaml' 2>/dev/null || die "missing prerequisite: python3-yaml for $PY"

LAB=$SRC_ROOT/lab/idlecut-lab
SCALE=0.02
TMO=6      # 300 s x 0.02
HOLD=9.6   # 480 s x 0.02
export IDLECUT IDLECUT_LAB_OUT=$WORK/lab PYTHONDONTWRITEBYTECODE=1

# The lab uses fixed names (iclab-*): refuse, rather than tear down, a lab someone has up.
if ip netns list | awk '{ print $1 }' | grep -q '^iclab-' || [ -s /run/idlecut-lab/pids ]; then
	die "a lab is already up on this machine (iclab-* namespaces): $LAB down, then retry"
fi
lab_cleanup() {
	local rc=$?
	bash "$LAB" down >/dev/null 2>&1
	(exit $rc)
	cleanup
}
trap lab_cleanup EXIT

# leftovers: print what a lab left behind (namespaces, interfaces, processes), if any.
leftovers() {
	ip netns list | awk '{ print $1 }' | grep '^iclab-' | sed 's/^/namespace /'
	ip -o link show | awk -F': ' '{ print $2 }' | grep '^iclab-' | sed 's/^/interface /'
	ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' | grep -F -e "$WORK/lab" -e "$SRC_ROOT/lab/eas_" |
		grep -v grep | sed 's/^/process /'
	[ -e /run/idlecut-lab ] && echo "state /run/idlecut-lab"
	return 0
}
nothing_left() {
	local l
	l=$(leftovers)
	[ -z "$l" ] || { log "left behind: $l"; return 1; }
}

# The two scenario files must carry configs/f5-fastl4.yaml's profile unchanged (fix:
# only tcp.established), so that the lab reproduces the preset and not a copy of it.
check "lab-f5-300s.yaml has f5-fastl4.yaml's profile" "$PY" - "$SRC_ROOT/configs" <<'PY'
import sys, yaml
d = sys.argv[1]
load = lambda f: yaml.safe_load(open(f"{d}/{f}"))
ref = load("f5-fastl4.yaml")["profiles"]["f5-fastl4"]
lab = load("lab-f5-300s.yaml")["profiles"]["f5-fastl4"]
fix = load("lab-f5-fix-timeout.yaml")["profiles"]["f5-fastl4"]
fix_tcp = dict(fix["tcp"]); fix_tcp["established"] = ref["tcp"]["established"]
ok = lab == ref and dict(fix, tcp=fix_tcp) == ref and fix["tcp"]["established"] == "3600s"
print("profiles:", ref, lab, fix, sep="\n  ") if not ok else None
sys.exit(0 if ok else 1)
PY

log "repro, all variants, time scale $SCALE (about 40 s)"
t0=$(date +%s)
bash "$LAB" repro --time-scale "$SCALE" >"$WORK/repro.log" 2>&1
rc=$?
log "repro exited $rc after $(($(date +%s) - t0)) s; its verdict:"
sed -n '/^variant /,/^$/p' "$WORK/repro.log"
check "repro exits 0 (every variant PASS in its own verdict)" [ $rc -eq 0 ]

# v VARIANT EXPR: a Python expression over one variant's files, printed.
#   c: client.json, s: idlecut's final JSON summary, b: backend.log lines,
#   e: the events file's TCP expiries of the upstream connection (port 8080)
v() {
	local d=$WORK/lab/$1
	"$PY" - "$d" "$2" <<'PY'
import json, sys
d, expr = sys.argv[1], sys.argv[2]
def jl(p):
    try:
        return [json.loads(l) for l in open(f"{d}/{p}") if l.startswith("{")]
    except OSError:
        return []
c = (jl("client.json") or [{}])[-1]
s = (jl("idlecut.out") or [{}])[-1]
b = jl("backend.log")
e = [x for x in jl("events.jsonl") if x.get("event") == "expired" and x.get("proto") == "tcp"
     and x.get("server_port") == 8080]
print(eval(expr))
PY
}
# vcheck VARIANT DESCRIPTION EXPR: check that EXPR is True; show the value otherwise.
vcheck() {
	local got
	got=$(v "$1" "$3" 2>&1)
	if [ "$got" = True ]; then ok "$1: $2"; else fail "$1: $2 (got: $got)"; fi
}

vcheck cutoff "nginx answers 5xx" '500 <= (c.get("status") or 0) <= 599'
vcheck cutoff "the 5xx comes at the $TMO s timeout, not before, at most 1 s after" \
	"$TMO - 0.01 <= c.get('elapsed', -1) <= $TMO + 1.0"
log "cutoff: client $(v cutoff 'c.get("status"), c.get("elapsed")')"
vcheck cutoff "the backend saw its connection reset, at the timeout" \
	"[(x['event'], $TMO - 0.05 <= x['after'] <= $TMO + 1.0) for x in b if x['event'] in
	 ('reset', 'closed', 'answered', 'error')] == [('reset', True)]"
vcheck cutoff "idlecut sent exactly 1 RST to the client side and 1 to the server side" \
	"(s['rst_sent']['client'], s['rst_sent']['server'], s['rst_sent']['stray']) == (1, 1, 0)"
vcheck cutoff "one expiry of the upstream connection in the events file, 2 RSTs" \
	"[(x['reason'], x['state'], x['rst_sent']) for x in e] == [('timeout', 'established', 2)]"
rst=$(tcpdump -nn -r "$WORK/lab/cutoff/backend.pcap" 'tcp[tcpflags] & tcp-rst != 0' 2>/dev/null)
log "cutoff: backend-side capture: $rst"
n_all=$(grep -c . <<<"$rst")
n_inj=$(grep -c '198\.18\.0\.1\.[0-9]* > 198\.18\.0\.2\.8080: Flags \[R' <<<"$rst")
check "cutoff: one RST in the backend-side capture, from the proxy's address to the backend" \
	[ "$n_all" = 1 -a "$n_inj" = 1 ]
check "cutoff: nginx logged the reset while reading the response header" \
	grep -q 'Connection reset by peer) while reading response header from upstream' \
	"$WORK/lab/cutoff/nginx-error.log"

for var in short-heartbeat keepalive raised-timeout; do
	hold=$HOLD
	[ $var = short-heartbeat ] && hold=4.8
	vcheck $var "200 with Ping Status 1" '(c.get("status"), c.get("ping_status")) == (200, 1)'
	vcheck $var "answered at the $hold s heartbeat" \
		"$hold - 0.01 <= c.get('elapsed', -1) <= $hold + 1.0"
	vcheck $var "no RST from idlecut" \
		"(s['rst_sent']['client'], s['rst_sent']['server']) == (0, 0) and not e"
	vcheck $var "the backend answered" \
		"[x['event'] for x in b if x['event'] in ('reset', 'closed', 'answered')] == ['answered']"
done
check "keepalive: the proxy's keepalive probes are in the capture" "$PY" -c "
import json, sys
r = {x['variant']: x for x in json.load(open('$WORK/lab/verdict.json'))}
sys.exit(0 if (r['keepalive']['keepalive_probes'] or 0) >= 1 else 1)"
check "repro leaves nothing behind" nothing_left

log "up, then down"
bash "$LAB" up --time-scale "$SCALE" >"$WORK/up.log" 2>&1
check "up exits 0" [ $? -eq 0 ]
check "up: four iclab- namespaces" [ "$(ip netns list | grep -c '^iclab-')" = 4 ]
pids=$(awk '{ print $1 }' /run/idlecut-lab/pids 2>/dev/null | xargs)
log "up: recorded processes: $pids"
check "up: idlecut, 2 tcpdump, backend, nginx running" [ "$(wc -w <<<"$pids")" = 5 ]
check "up: a Ping through the running lab gets 200" ip netns exec iclab-client "$PY" \
	"$SRC_ROOT/lab/eas_ping.py" --server 198.18.10.1 --heartbeat 60 --time-scale "$SCALE"
bash "$LAB" down >"$WORK/down.log" 2>&1
check "down exits 0" [ $? -eq 0 ]
alive=
# A zombie is gone too: after `up` the processes are orphans, reaped by init in its time.
for p in $pids; do
	[ -d "/proc/$p" ] && ! sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | grep -q '^[ZX]' &&
		alive+=" $p"
done
check "down: every recorded process is gone${alive:+ (alive:$alive)}" [ -z "$alive" ]
check "down leaves nothing behind" nothing_left

log "an interrupted repro (SIGINT to its process group, as Ctrl-C in a terminal)"
"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' bash "$LAB" repro --variant cutoff >"$WORK/intr.log" 2>&1 &
rp=$!
for _ in $(seq 1 150); do grep -q 'waiting for Ping response' "$WORK/intr.log" && break; sleep 0.1; done
check "interrupted repro: the Ping was under way" grep -q 'waiting for Ping response' \
	"$WORK/intr.log"
kill -INT -- -"$rp"
wait "$rp"
check "interrupted repro exits 130" [ $? -eq 130 ]
check "interrupted repro leaves nothing behind" nothing_left

finish
