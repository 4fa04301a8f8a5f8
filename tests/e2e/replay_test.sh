#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# idlecut-replay on captures of real software, recorded here: Linux TCP sockets between
# two namespaces (through a routing namespace), and an HTTP long poll through nginx to a
# backend that holds it, both captured with tcpdump (--immediate-mode, Ethernet and
# `-i any`). The captures' idle gaps are stretched (seconds or tenths become hundreds of
# seconds) so the test waits little; an independent model of the stretched capture
# (tests/replay/replay_lib.py, scapy) says which connections each device must cut, when,
# with which RST numbers, and what their later packets get.
#
#   ${ID}c 198.18.40.2 ==veth== 198.18.40.1 ${ID}p 198.18.41.1 ==veth== 198.18.41.2 ${ID}s
#   clients, curl                routing, nginx :8081                echo :7000, backend :8090
#
# Root (namespaces); fails with a message when a prerequisite is missing.
set -u
. "$(dirname "$0")/lib.sh"

REPLAY=${IDLECUT_REPLAY:-$SRC_ROOT/build/replay/idlecut-replay}
RLIB=$SRC_ROOT/tests/replay
require tcpdump nginx curl
[ -x "$REPLAY" ] || die "idlecut-replay not found at $REPLAY (build first)"
"$PY" -c 'import scapy' 2>/dev/null || die "scapy is missing for $PY (python3-scapy)"

C=${ID}c
P=${ID}p
S=${ID}s
ns_add "$C"
ns_add "$P"
ns_add "$S"
ip link add "${ID}a0" netns "$C" type veth peer name "${ID}a1" netns "$P" ||
	die "cannot create a veth pair"
ip link add "${ID}b0" netns "$P" type veth peer name "${ID}b1" netns "$S" ||
	die "cannot create a veth pair"
nsx "$C" ip addr add 198.18.40.2/24 dev "${ID}a0"
nsx "$P" ip addr add 198.18.40.1/24 dev "${ID}a1"
nsx "$P" ip addr add 198.18.41.1/24 dev "${ID}b0"
nsx "$S" ip addr add 198.18.41.2/24 dev "${ID}b1"
for l in "$C ${ID}a0" "$P ${ID}a1" "$P ${ID}b0" "$S ${ID}b1"; do
	set -- $l
	nsx "$1" ip link set "$2" up
done
nsx "$C" ip route add default via 198.18.40.1
nsx "$S" ip route add default via 198.18.41.1
nsx "$P" sysctl -qw net.ipv4.ip_forward=1

# wait_listen NS PORT: until something listens on PORT in NS.
wait_listen() {
	local i
	for i in $(seq 1 50); do
		[ -n "$(nsx "$1" ss -Hltn "sport = :$2")" ] && return 0
		sleep 0.1
	done
	die "nothing listens on port $2 in $1"
}

# capture NS IFACE FILE FILTER: tcpdump in the background (PID in CAP_PID), once it listens.
capture() {
	local ns=$1 ifc=$2 file=$3 filter=$4 i
	# ip netns exec, not nsx: $! must be tcpdump itself, to stop it by its PID.
	ip netns exec "$ns" tcpdump -i "$ifc" --immediate-mode -U -s 0 -w "$file" $filter \
		2>"$file.log" &
	CAP_PID=$!
	EXTRA_PIDS+=("$CAP_PID")
	for i in $(seq 1 50); do
		grep -q "listening on" "$file.log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "tcpdump did not start on $ifc in $ns: $(cat "$file.log")"
}

stop_capture() {
	sleep 0.3 # the last frames reach the file
	# TERM, not INT: a background job of a script ignores SIGINT.
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# py EXPR-SCRIPT: run python with the replay test library.
py() {
	IDLECUT_REPLAY=$REPLAY PYTHONPATH=$RLIB "$PY" - "$@"
}

# ------------------------------------------------------------ 1. TCP sockets, gaps
ip netns exec "$S" "$PY" "$E2E_DIR/replay_peers.py" echo-server 198.18.41.2 7000 \
	>"$WORK/echo.log" 2>&1 &
EXTRA_PIDS+=($!)
wait_listen "$S" 7000
capture "$S" "${ID}b1" "$WORK/sock-eth.pcap" "tcp port 7000"
ETH_PID=$CAP_PID
capture "$S" any "$WORK/sock-any.pcap" "tcp port 7000"
ANY_PID=$CAP_PID
# Seconds of real idle, stretched 100 times: a scheduling delay of 10 ms is 1 s, well away
# from every preset's timeout (the model takes the gaps as recorded anyway).
log "four connections, one after the other, idle 2.4, 3.2, 4.0 and 13 s (23 s in all)"
nsx "$C" "$PY" "$E2E_DIR/replay_peers.py" client 198.18.41.2 7000 2.4 3.2 4.0 13 \
	>"$WORK/client.log" 2>&1 || die "the socket client failed: $(cat "$WORK/client.log")"
stop_capture "$ETH_PID"
stop_capture "$ANY_PID"
# Gaps times 100, not rounded: the two captures' timestamps differ by microseconds.
"$PY" "$RLIB/stretch.py" "$WORK/sock-eth.pcap" "$WORK/s-eth.pcap" 100 0.1 exact ||
	die "stretch failed"
"$PY" "$RLIB/stretch.py" "$WORK/sock-any.pcap" "$WORK/s-any.pcap" 100 0.1 exact ||
	die "stretch failed"

py "$WORK" <<'EOF'
import os, sys
import replay_lib as L
from replay_lib import check
W = sys.argv[1]
eth, anyc = os.path.join(W, "s-eth.pcap"), os.path.join(W, "s-any.pcap")
ng = os.path.join(W, "s-eth.pcapng")
L.wrpcapng(ng, [p for _, p in L.read_frames(eth)])
conns = L.tcp_conns(L.read_frames(eth))
check("sockets: the capture has the four connections", len(conns) == 4, sorted(conns))
gaps = sorted(max(b[0] - a[0] for a, b in zip(v, v[1:])) for v in conns.values())
check("sockets: stretched idle gaps 240, 320, 400, 1300 s (up to 10 s more)",
      len(gaps) == 4 and all(0 <= g - w < 10 for g, w in zip(gaps, (240, 320, 400, 1300))),
      gaps)

out = os.path.join(W, "f5-out.pcap")
rc, rep, err = L.replay_json(eth, "--preset", "f5-fastl4", out=out)
if check("sockets f5: exit 0", rc == 0, err):
    got, want = L.check_against_model("sockets f5", eth, rep, out, 300, "drop")
    short = [k for k, v in conns.items() if max(b[0] - a[0] for a, b in zip(v, v[1:])) < 300]
    check("sockets f5: the 240 s connection is not cut, the three longer ones are",
          len(short) == 1 and short[0] not in got and len(got) == 3, f"{short} {sorted(got)}")

out = os.path.join(W, "aws-out.pcap")
rc, rep, err = L.replay_json(eth, "--preset", "aws-nat-gateway", out=out)
if check("sockets aws-nat-gateway: exit 0", rc == 0, err):
    L.check_against_model("sockets aws-nat-gateway", eth, rep, out, 350,
                                {"inside": "reset", "outside": "drop"})

presets = (("f5-fastl4", 300), ("azure-lb", 240), ("aws-nat-gateway", 350),
           ("gcp-cloud-nat", 1200))
args = [a for n, _ in presets for a in ("--preset", n)]
rc, ref, err = L.replay_json(eth, *args)
if check("sockets matrix: exit 0", rc == 0, err):
    frames = L.read_frames(eth)
    for i, (name, tmo) in enumerate(presets):
        want = {k for k, v in conns.items() if L.expected_cut(v, tmo, frames[-1][0])}
        got = {((m["client"]["addr"], m["client"]["port"]),
                (m["server"]["addr"], m["server"]["port"]))
               for m in ref["matrix"] if m["cuts"][name]}
        check(f"sockets matrix: {name} ({tmo} s) cuts the right {len(want)} connections",
              got == want, f"{sorted(got)} vs {sorted(want)}")

def strip(rep, timed=True):
    """A report without what depends on the capture file; with timed=False, without its
    times either (two tcpdumps stamp the same frame microseconds apart)."""
    out = []
    for s in rep["scenarios"]:
        cuts = []
        for c in s["cuts"]:
            c = dict(c)
            if not timed:
                for k in ("last_packet", "cut", "idle_s"):
                    c[k] = None
                c["after"] = dict(c["after"], first=c["after"]["first"]["what"]
                                  if c["after"]["first"] else None)
            cuts.append(c)
        out.append((s["name"], cuts, {k: v for k, v in s["summary"].items() if k != "out"}))
    return out


def times(rep):
    return [t for s in rep["scenarios"] for c in s["cuts"]
            for t in (c["last_packet"]["offset_s"], c["cut"]["offset_s"])]

rc, rep, err = L.replay_json(ng, *args)
check("sockets: the pcapng capture gives the same report",
      rc == 0 and ref and strip(rep) == strip(ref), err)
rc, rep, err = L.replay_json(anyc, *args)
check(f"sockets: the tcpdump -i any capture ({rep['capture']['link_type'] if rep else '?'}) "
      "gives the same report (times within 50 ms)",
      rc == 0 and ref and strip(rep, False) == strip(ref, False) and
      len(times(rep)) == len(times(ref)) and
      all(abs(a - b) < 0.05 for a, b in zip(times(rep), times(ref))),
      f"{err} {strip(rep, False) if rep else None} vs {strip(ref, False)}")
L.finish()
EOF
rc=$?
[ $rc -eq 0 ] && ok "socket captures" || fail "socket captures (checks exited $rc)"

# ------------------------------------------------------------ 2. nginx long poll
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log info;
events { worker_connections 64; }
http {
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    access_log $WORK/nginx/access.log;
    upstream backend {
        server 198.18.41.2:8090;
        keepalive 4;
    }
    server {
        listen 198.18.40.1:8081;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 30s;
            proxy_buffering off;
        }
    }
}
EOF
ip netns exec "$S" "$PY" "$E2E_DIR/replay_peers.py" slow-http 198.18.41.2 8090 0.48 \
	>"$WORK/backend.log" 2>&1 &
EXTRA_PIDS+=($!)
wait_listen "$S" 8090
ip netns exec "$P" nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
	>"$WORK/nginx/out" 2>&1 &
EXTRA_PIDS+=($!)
wait_listen "$P" 8081
capture "$S" "${ID}b1" "$WORK/poll.pcap" "tcp port 8090"
POLL_PID=$CAP_PID
log "a long poll through nginx: the backend holds it 0.48 s (480 s stretched)"
body=$(nsx "$C" curl -s -m 10 http://198.18.40.1:8081/poll)
check "nginx long poll answered" [ "$body" = "done" ]
stop_capture "$POLL_PID"
"$PY" "$RLIB/stretch.py" "$WORK/poll.pcap" "$WORK/p.pcap" || die "stretch failed"

py "$WORK" "$SRC_ROOT" <<'EOF'
import os, sys
import replay_lib as L
from replay_lib import check
W, SRC = sys.argv[1], sys.argv[2]
cap = os.path.join(W, "p.pcap")
conns = L.tcp_conns(L.read_frames(cap))
check("poll: one upstream connection in the capture", len(conns) == 1, sorted(conns))
rc, rep, err = L.replay_json(cap, "--scenario", os.path.join(SRC, "configs",
                                                              "lab-f5-fix-timeout.yaml"))
check("poll vs lab-f5-fix-timeout (3600 s): no cut",
      rc == 0 and rep["scenarios"][0]["cuts"] == [] and
      rep["scenarios"][0]["summary"]["flows_tracked"] == 1, err)
out = os.path.join(W, "poll-f5.pcap")
rc, rep, err = L.replay_json(cap, "--preset", "f5-fastl4", out=out)
if check("poll vs f5-fastl4: exit 0", rc == 0, err):
    got, want = L.check_against_model("poll f5", cap, rep, out, 300, "drop")
    c = rep["scenarios"][0]["cuts"]
    check("poll vs f5-fastl4: the one upstream connection (nginx -> backend:8090) is cut "
          "at +300 s from the request", len(c) == 1 and c[0]["client"]["addr"] == "198.18.41.1"
          and c[0]["server"]["port"] == 8090 and abs(c[0]["idle_s"] - 300) < 0.0011 and
          c[0]["after"]["by"].get("dropped", 0) > 0, c)
rc, rep, err = L.replay_json(cap, "--scenario", os.path.join(SRC, "configs", "lab-f5-300s.yaml"))
c = rep["scenarios"][0]["cuts"] if rep else []
check("poll vs lab-f5-300s: cut on the pair's access VLAN 300",
      rc == 0 and len(c) == 1 and c[0]["vlans"] == [300], err + str(c))
L.finish()
EOF
rc=$?
[ $rc -eq 0 ] && ok "nginx long poll capture" ||
	fail "nginx long poll capture (checks exited $rc)"

finish
