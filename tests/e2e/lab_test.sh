#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab's seed-case reproduction, scaled by 0.02 (timeout 300 s -> 6 s, heartbeat
# 480 s -> 9.6 s): `lab/idlecut-lab repro` with real nginx, the long-poll backend and the
# Ping client, then checks of the raw evidence it leaves (not of its own verdict only):
#   cutoff: HTTP 500 (TMG's answer) at the timeout (not before, at most 1 s after), the
#           backend saw its connection reset, idlecut sent exactly 1 RST to each side, the
#           RST is in the backend-side capture, nginx logged the reset from upstream
#   short-heartbeat, keepalive, raised-timeout: 200 with Ping Status 1 at the heartbeat,
#           no RST
# Then the seed's whole path, scaled by 0.01 (`repro --path`: one idlecut, pairs lb and
# inline; lb-raised and inline-fixed with the default 3 x 500 before the resync,
# lb-bypassed with --resync-after 2, so that the phone follows the configured number):
#   lb-raised, lb-bypassed: the RSTs come from the inline pair only (events: pair, VLAN,
#           profile; captures on both sides of both pairs), at its 3 s timeout, once per
#           Ping; each Ping gets 500 at the timeout; after the configured number of 500s
#           the phone resyncs (FolderSync 0, Sync 0 for mail, contacts, calendar) and the
#           backend re-sends every item; lb-bypassed: no phone traffic through the lb pair
#   inline-fixed: 200 with Ping Status 1 at each heartbeat (the second one raised), no RST
#           anywhere, no resync
# then `up` + `down` and interrupted runs (SIGINT to the process group, as Ctrl-C): no
# iclab- namespace, interface or process may remain. Needs root, /dev/net/tun, nginx,
# tcpdump, /usr/bin/python3 (python3-yaml); fails (never skips) without them.
# LAB_TEST_PARTS=classic,path,updown (default: all three) runs some of it, for debugging.
. "$(dirname "$0")/lib.sh"
require nginx tcpdump ss ping
"$PY" -c 'import yaml' 2>/dev/null || die "missing prerequisite: python3-yaml for $PY"

LAB=$SRC_ROOT/lab/idlecut-lab
SCALE=0.02
TMO=6      # 300 s x 0.02
HOLD=9.6   # 480 s x 0.02
export IDLECUT IDLECUT_LAB_OUT=$WORK/lab PYTHONDONTWRITEBYTECODE=1
PARTS=${LAB_TEST_PARTS:-classic,path,updown}
part() { [[ ",$PARTS," == *",$1,"* ]]; }

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

classic() {
	log "repro, all variants, time scale $SCALE (about 40 s)"
	t0=$(date +%s)
	bash "$LAB" repro --time-scale "$SCALE" >"$WORK/repro.log" 2>&1
	rc=$?
	log "repro exited $rc after $(($(date +%s) - t0)) s; its verdict:"
	sed -n '/^variant /,/^$/p' "$WORK/repro.log"
	check "repro exits 0 (every variant PASS in its own verdict)" [ $rc -eq 0 ]


	vcheck cutoff "nginx answers 500, as TMG did" 'c.get("status") == 500'
	vcheck cutoff "the 500 comes at the $TMO s timeout, not before, at most 1 s after" \
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
	check "keepalive: the proxy's keepalive probes are in the capture" "$PY" -c "import json, sys
r = {x['variant']: x for x in json.load(open('$WORK/lab/verdict.json'))}
sys.exit(0 if (r['keepalive']['keepalive_probes'] or 0) >= 1 else 1)"
	check "repro leaves nothing behind" nothing_left
}

# pv VARIANT EXPR: a Python expression over one path variant's files, printed.
#   ph: phone.jsonl lines, pings: its "ping" lines, summ: its summary, be: backend.log
#   lines, ev: the events file's TCP expiries, cuts: those that sent RSTs,
#   rst(NAME): the RSTs in NAME.pcap as (source address, destination address),
#   n80(NAME): packets to or from port 80 in NAME.pcap
pv() {
	local d=$WORK/lab/$1
	"$PY" - "$d" "$2" <<'PY'
import json, subprocess, sys
d, expr = sys.argv[1], sys.argv[2]
def jl(p):
    try:
        return [json.loads(l) for l in open(f"{d}/{p}") if l.startswith("{")]
    except OSError:
        return []
def td(name, flt):
    r = subprocess.run(["tcpdump", "-nn", "-r", f"{d}/{name}.pcap", flt],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"tcpdump -r {d}/{name}.pcap: {r.stderr.strip()}")
    return [ln.split() for ln in r.stdout.splitlines() if ln.strip()]
def rst(name):
    return [(f[2].rsplit(".", 1)[0], f[4].rstrip(":").rsplit(".", 1)[0])
            for f in td(name, "tcp[tcpflags] & tcp-rst != 0")]
def n80(name):
    return len(td(name, "tcp port 80"))
ph = jl("phone.jsonl")
pings = [x for x in ph if x.get("event") == "ping"]
summ = next((x for x in ph if x.get("event") == "summary"), {})
be = jl("backend.log")
ev = [x for x in jl("events.jsonl") if x.get("event") == "expired" and x.get("proto") == "tcp"]
cuts = [x for x in ev if x.get("rst_sent")]
print(eval("(" + expr + "\n)"))  # in parentheses: an expression may span lines
PY
}
pvcheck() {
	local got
	got=$(pv "$1" "$3" 2>&1)
	if [ "$got" = True ]; then ok "$1: $2"; else fail "$1: $2 (got: $got)"; fi
}

# The seed's whole path: `repro --path`, at 0.01 (timeouts 300 s -> 3 s, 1800 s -> 18 s).
path_runs() {
	local PTMO=3 TOL=1.0 f
	for f in "$SRC_ROOT"/configs/lab-path/{lb-raised,lb-bypassed,inline-fixed}.yaml; do
		check "idlecut --check accepts $(basename "$f")" "$IDLECUT" --scenario "$f" --check
	done
	# The path's two profiles are the presets' (f5-standard-tcp for lb, f5-fastl4 for
	# inline), each with only tcp.established changed as the variant says.
	check "configs/lab-path/*.yaml: presets' profiles, only the variant's timeouts changed" \
		"$PY" - "$SRC_ROOT/configs" <<'PY'
import sys, yaml
d = sys.argv[1]
load = lambda f: yaml.safe_load(open(f"{d}/{f}"))
ref = {"f5-standard-tcp": load("f5-standard-tcp.yaml")["profiles"]["f5-standard-tcp"],
       "f5-fastl4": load("f5-fastl4.yaml")["profiles"]["f5-fastl4"]}
want = {"lb-raised": ("1800s", "300s"), "lb-bypassed": ("300s", "300s"),
        "inline-fixed": ("1800s", "3600s")}
bad = []
for v, (lb, il) in want.items():
    s = load(f"lab-path/{v}.yaml")
    for prof, est in (("f5-standard-tcp", lb), ("f5-fastl4", il)):
        p = s["profiles"][prof]
        tcp = dict(p["tcp"]); tcp["established"] = ref[prof]["tcp"]["established"]
        if dict(p, tcp=tcp) != ref[prof] or p["tcp"]["established"] != est:
            bad.append(f"{v}: {prof} {p}")
    pairs = {p["name"]: (p["inside"].get("vlan"), p["outside"].get("vlan")) for p in s["ports"]}
    rules = [(r["match"], r["profile"]) for r in s["rules"]]
    if pairs != {"lb": (100, 100), "inline": (300, 300)} or rules != [
            ({"vlan": 100}, "f5-standard-tcp"), ({"vlan": 300}, "f5-fastl4")]:
        bad.append(f"{v}: pairs {pairs}, rules {rules}")
print(*bad, sep="\n")
sys.exit(1 if bad else 0)
PY

	log "repro --path: lb-raised and inline-fixed (resync after the default 3 x 500)"
	local t0 rc
	t0=$(date +%s)
	bash "$LAB" repro --path --variant lb-raised,inline-fixed >"$WORK/path.log" 2>&1
	rc=$?
	log "repro --path exited $rc after $(($(date +%s) - t0)) s; its verdict:"
	sed -n '/^variant /,/^$/p;/cut by:\|upstream reset\|full resync:/p' "$WORK/path.log"
	check "repro --path exits 0 (lb-raised, inline-fixed PASS in its own verdict)" [ $rc -eq 0 ]
	# The second run writes to another directory: keep the first one's files.
	mv "$WORK/lab" "$WORK/lab-path1"
	log "repro --path --resync-after 2: lb-bypassed"
	t0=$(date +%s)
	bash "$LAB" repro --path --variant lb-bypassed --resync-after 2 >"$WORK/path2.log" 2>&1
	rc=$?
	log "repro --path exited $rc after $(($(date +%s) - t0)) s; its verdict:"
	sed -n '/^variant /,/^$/p;/cut by:\|upstream reset\|full resync:/p' "$WORK/path2.log"
	check "repro --path --resync-after 2 exits 0 (lb-bypassed PASS)" [ $rc -eq 0 ]
	mv "$WORK/lab/lb-bypassed" "$WORK/lab-path1/"
	rm -rf "$WORK/lab"
	mv "$WORK/lab-path1" "$WORK/lab"

	local v n
	for v in lb-raised lb-bypassed; do
		n=3
		[ $v = lb-bypassed ] && n=2
		pvcheck $v "the phone got $n x HTTP 500 and then stopped pinging" \
			"[p['status'] for p in pings] == [500] * $n"
		pvcheck $v "each 500 came at the $PTMO s inline timeout (not before, at most $TOL s after)" \
			"all($PTMO - 0.01 <= p['elapsed'] <= $PTMO + $TOL for p in pings)"
		pvcheck $v "the heartbeat stayed 480 s through the 500s" \
			"[p['heartbeat'] for p in pings] == [480] * $n"
		pvcheck $v "events: RSTs only from pair inline (VLAN 300, f5-fastl4), once per Ping" \
			"[(x['pair'], x['vlan'], x['profile'], x['rst_sent']) for x in cuts] ==
			 [('inline', [300], 'f5-fastl4', 2)] * $n"
		pvcheck $v "events: every cut at the $PTMO s timeout of idle" \
			"all($PTMO - 0.01 <= x['idle_seconds'] <= $PTMO + $TOL for x in cuts)"
		pvcheck $v "events: no expiry on pair lb sent an RST" \
			"not [x for x in ev if x['pair'] == 'lb' and x['rst_sent']]"
		pvcheck $v "captures on both sides of lb: no RST" "rst('lb-client') + rst('lb-proxy') == []"
		pvcheck $v "capture, inline proxy side: $n RSTs, all to the proxy from the backend's address" \
			"rst('proxy') == [('198.18.0.2', '198.18.0.1')] * $n"
		pvcheck $v "capture, inline backend side: $n RSTs, all to the backend from the proxy's address" \
			"rst('backend') == [('198.18.0.1', '198.18.0.2')] * $n"
		check "$v: nginx logged $n upstream resets (104)" [ "$(grep -c \
			'(104: Connection reset by peer) while reading response header from upstream' \
			"$WORK/lab/$v/nginx-error.log")" = $n ]
		pvcheck $v "the phone resynced after $n consecutive 500s" \
			"(summ.get('resync'), summ.get('resync_after_500s'),
			  [x['after_500s'] for x in ph if x['event'] == 'resync']) == (True, $n, [$n])"
		pvcheck $v "the resync: FolderSync 0, then Sync 0 and Sync 1 for mail, contacts, calendar" \
			"[(x['event'], x.get('folder_class'), x['synckey'], x['status']) for x in ph
			  if x['event'] in ('foldersync', 'sync')] == [('foldersync', None, '0', 200)] + [
			  ('sync', c, k, 200) for c in ('Email', 'Contacts', 'Calendar') for k in '01']"
		pvcheck $v "the backend re-sent every item (200 mails, 150 contacts, 60 appointments)" \
			"[(x['event'], x.get('folder_class'), x['synckey'], x.get('items'), x.get('resent'))
			  for x in be if x['event'] in ('foldersync', 'sync')] == [
			  ('foldersync', None, '0', None, None)] + [t for c, n in (('Email', 200),
			  ('Contacts', 150), ('Calendar', 60)) for t in (('sync', c, '0', 0, False),
			  ('sync', c, '1', n, True))]"
		pvcheck $v "the phone received what the backend re-sent" \
			"summ.get('items_received') == {'Email': 200, 'Contacts': 150, 'Calendar': 60}"
	done
	pvcheck lb-raised "the phone's traffic crossed the lb pair, none went around it" \
		"n80('lb-proxy') > 0 and n80('bypass') == 0"
	pvcheck lb-bypassed "the phone's traffic went around the lb pair, none crossed it" \
		"n80('lb-proxy') == 0 and n80('lb-client') == 0 and n80('bypass') > 0"
	pvcheck inline-fixed "2 Pings, both 200 with Ping Status 1" \
		"[(p['status'], p['ping_status']) for p in pings] == [(200, 1)] * 2"
	pvcheck inline-fixed "each answered at its heartbeat, the second raised by 300 s" \
		"[(p['heartbeat'], p['hold'] - 0.01 <= p['elapsed'] <= p['hold'] + $TOL) for p in pings]
		 == [(480, True), (780, True)]"
	pvcheck inline-fixed "no RST: not in the events, not in any capture" \
		"not cuts and not (rst('lb-client') + rst('lb-proxy') + rst('proxy') + rst('backend'))"
	pvcheck inline-fixed "no resync: the phone never sent FolderSync or Sync, the backend saw none" \
		"summ.get('resync') is False and not [x for x in ph + be
		 if x['event'] in ('resync', 'foldersync', 'sync')]"
	pvcheck inline-fixed "the phone's traffic crossed the lb pair" \
		"n80('lb-proxy') > 0 and n80('bypass') == 0"
	# idlecut-replay on the backend-side capture (SPEC §11): against the F5 in-line preset
	# every upstream connection is cut at +300 s (unscaled), as idlecut cut it.
	for v in lb-raised lb-bypassed inline-fixed; do
		pvcheck $v "replay of backend.pcap: f5-fastl4 cuts the upstream connection at +300 s" \
			"(lambda r: bool(r['matrix']) and all(x['cuts']['f5-fastl4'] for x in r['matrix'])
			  and all(298 <= c['idle_s'] / 0.01 <= 302 for s in r['scenarios']
			          if s['name'] == 'f5-fastl4' for c in s['cuts']))(
			  json.load(open(f'{d}/replay.json')))"
	done
	check "repro --path leaves nothing behind" nothing_left
}

updown() {
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

	interrupted cutoff repro --variant cutoff
	interrupted path repro --path --variant lb-raised
}

# interrupted NAME ARGS...: `idlecut-lab ARGS` in its own process group, SIGINT to the
# group once the first Ping is under way (as Ctrl-C in a terminal): exit 130, nothing left.
interrupted() {
	local name=$1 rp
	shift
	log "an interrupted $* (SIGINT to its process group, as Ctrl-C in a terminal)"
	"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' bash "$LAB" "$@" >"$WORK/intr-$name.log" 2>&1 &
	rp=$!
	local log=$WORK/intr-$name.log
	for _ in $(seq 1 150); do grep -q 'waiting for Ping.* response' "$log" && break; sleep 0.1; done
	check "interrupted $name: the Ping was under way" grep -q 'waiting for Ping.* response' "$log"
	kill -INT -- -"$rp"
	wait "$rp"
	check "interrupted $name exits 130" [ $? -eq 130 ]
	check "interrupted $name leaves nothing behind" nothing_left
}

part classic && classic
part path && path_runs
part updown && updown
[ $((PASSES + FAILS)) -gt 0 ] || die "LAB_TEST_PARTS=$PARTS ran no check"
finish
