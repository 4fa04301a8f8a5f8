#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""idlecut-replay without root: crafted captures (scapy) against the presets, in every link
type, and every kind of bad input. Ends with "N passed, N failed"; exits 1 on a failure.

    IDLECUT_REPLAY=build/replay/idlecut-replay /usr/bin/python3 tests/replay/replay_cli_test.py
"""
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_lib as L  # noqa: E402
from replay_lib import check  # noqa: E402
from scapy.all import IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw  # noqa: E402

if not L.REPLAY or not os.access(L.REPLAY, os.X_OK):
    print(f"FATAL: idlecut-replay not found (IDLECUT_REPLAY={L.REPLAY!r}): build first")
    sys.exit(1)

WORK = tempfile.mkdtemp(prefix="idlecut-replay-cli.")
T0 = 1764580000.0
CMAC, SMAC = "02:00:00:00:01:01", "02:00:00:00:01:02"


def seg(c, s, t, from_client, flags, seq, ack, data=b"", vlan=None, v6=False):
    (ca, cp), (sa, sp) = c, s
    src, dst, sport, dport = (ca, sa, cp, sp) if from_client else (sa, ca, sp, cp)
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    eth = Ether(src=CMAC if from_client else SMAC, dst=SMAC if from_client else CMAC)
    if vlan:
        eth = eth / Dot1Q(vlan=vlan)
    p = eth / l3 / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=502)
    if data:
        p = p / Raw(data)
    p.time = t
    return p


def conn(port, start, gaps, vlan=None, v6=False, close=True, syn=True, server_port=80,
         addr=("198.18.1.1", "198.18.1.2")):
    """A connection: handshake at @start, then one request/answer after each gap in
    @gaps (seconds), then a close."""
    if v6:
        addr = ("2001:db8:1::1", "2001:db8:1::2")
    c, s = (addr[0], port), (addr[1], server_port)
    cs, ss = 1000 + port, 50000 + port
    t = start
    out = []
    kw = dict(vlan=vlan, v6=v6)
    if syn:
        out += [seg(c, s, t, True, "S", cs, 0, **kw),
                seg(c, s, t + 0.0001, False, "SA", ss, cs + 1, **kw),
                seg(c, s, t + 0.0002, True, "A", cs + 1, ss + 1, **kw)]
        t += 0.0002
    cs, ss = cs + 1, ss + 1
    for g in [0.001] + list(gaps):
        t += g
        out += [seg(c, s, t, True, "PA", cs, ss, b"GET /x\r\n", **kw),
                seg(c, s, t + 0.0001, False, "PA", ss, cs + 8, b"HTTP/1.1 200 OK\r\n", **kw),
                seg(c, s, t + 0.0002, True, "A", cs + 8, ss + 17, **kw)]
        cs, ss, t = cs + 8, ss + 17, t + 0.0002
    if close:
        out += [seg(c, s, t + 0.001, True, "FA", cs, ss, **kw),
                seg(c, s, t + 0.0011, False, "FA", ss, cs + 1, **kw),
                seg(c, s, t + 0.0012, True, "A", cs + 1, ss + 1, **kw)]
    return out


def base_capture():
    """Gaps chosen away from every preset's timeout: 240.5 s (only Azure's 4 min cuts it),
    320.5 s (F5, Azure), 400.5 s (and AWS's 350 s), 1300.5 s (and GCP's 1200 s); a flow
    open before the capture; one idle at the end (not cut); a UDP datagram; an IPv6 one."""
    pk = []
    pk += conn(40001, T0 + 0.0, [240.5])
    pk += conn(40002, T0 + 0.1, [320.5])
    pk += conn(40003, T0 + 0.2, [400.5])
    pk += conn(40004, T0 + 0.3, [1300.5])
    pk += conn(40005, T0 + 0.4, [10.0, 20.0])
    pk += conn(40006, T0 + 0.5, [330.0], syn=False, close=False)  # open before the capture
    pk += conn(40007, T0 + 1200, [5.0], close=False)  # idle for the last 95 s: no cut
    pk += conn(40008, T0 + 0.7, [310.0], v6=True)
    u = Ether(src=CMAC, dst=SMAC) / IP(src="198.18.1.1", dst="198.18.1.2") / UDP(
        sport=5353, dport=53) / Raw(b"q")
    u.time = T0 + 1290.0  # idle for the last 11 s: no cut
    pk.append(u)
    pk.sort(key=lambda p: p.time)
    return pk


def path(name):
    return os.path.join(WORK, name)


def cut_ports(rep, i=0):
    return sorted(c["client"]["port"] for c in rep["scenarios"][i]["cuts"])


def strip(rep):
    """The parts of a report that must not depend on the capture's format."""
    out = []
    for s in rep["scenarios"]:
        out.append((s["name"], s["cuts"], {k: v for k, v in s["summary"].items() if k != "out"}))
    return out


def one_line_error(what, rc, err, needle):
    lines = [x for x in err.splitlines() if x.strip()]
    check(f"{what}: exit 2, one line naming the problem", rc == 2 and len(lines) == 1 and
          needle in err, f"rc {rc} stderr {err!r}")


def main():
    pk = base_capture()
    cap = path("base.pcap")
    L.write_capture(cap, pk)

    # --- against the F5 preset: exactly the gaps over 300 s, at last + 300 s ---
    out = path("f5-out.pcap")
    rc, rep, err = L.replay_json(cap, "--preset", "f5-fastl4", out=out)
    check("f5: exit 0", rc == 0, err)
    if rep:
        L.check_against_model("f5 (crafted)", cap, rep, out, 300, "drop")
        check("f5: 240.5 s gap not cut, 320.5/400.5/1300.5/330/310 s cut, idle end not cut",
              cut_ports(rep) == [40002, 40003, 40004, 40006, 40008], cut_ports(rep))
        cuts = L.cuts_by_flow(rep)
        a = [c for k, c in cuts.items() if k[0][1] == 40006]
        check("f5: the flow open before the capture is adopted and marked",
              a and a[0]["adopted"] and rep["capture"]["adopted"] == 1,
              f"{a} adopted={rep['capture']['adopted']}")
        v6 = [c for k, c in cuts.items() if k[0][1] == 40008]
        check("f5: the IPv6 connection is cut with exact numbers",
              v6 and v6[0]["client"]["addr"] == "2001:db8:1::1" and len(v6[0]["rsts"]) == 2)
        s = rep["scenarios"][0]["summary"]
        check("f5: summary counts (flows seen, cut by state, dropped)",
              s["flows_seen"] == 9 and s["cut"] == 5 and s["cut_by"] == [
                  {"profile": "f5-fastl4", "state": "established", "count": 5}] and
              s["packets_dropped"] == 4 * 6 + 3 and s["rsts_injected"] == 10, s)
        n_out = len(L.read_frames(out))
        check("f5: --out has the passing packets and the RSTs, not the dropped ones",
              n_out == len(pk) - 27 + 10, f"{n_out} frames, capture {len(pk)}")
        times = [t for t, _ in L.read_frames(out)]
        check("f5: --out is in time order", times == sorted(times))

    # --- the table on stdout and its summary line ---
    rc, so, err = L.run("--preset", "f5-fastl4", cap)
    check("table: a row per cut, RST lines and a closing summary line",
          rc == 0 and so.count(" established ") == 5 and so.count("RST+ACK to ") == 10 and
          so.strip().splitlines()[-1].startswith("summary: "), so[-800:])

    # --- stray_tcp: reset (AWS NAT gateway) answers the later segments ---
    out = path("aws-out.pcap")
    rc, rep, err = L.replay_json(cap, "--preset", "aws-nat-gateway", out=out)
    if check("aws: exit 0", rc == 0, err):
        L.check_against_model("aws-nat-gateway (crafted)", cap, rep, out, 350,
                                {"inside": "reset", "outside": "drop"})
        check("aws: silent cut, no RST at the cut",
              all(c["action"] == "silent" and not c["rsts"] for c in rep["scenarios"][0]["cuts"]))

    # --- the matrix of four devices ---
    rc, rep, err = L.replay_json(cap, "--preset", "f5-fastl4", "--preset", "azure-lb",
                                 "--preset", "aws-nat-gateway", "--preset", "gcp-cloud-nat")
    if check("matrix: exit 0", rc == 0, err):
        got = {}
        for m in rep["matrix"]:
            got[m["client"]["port"]] = sorted(n for n, v in m["cuts"].items() if v)
        want = {40001: ["azure-lb"],
                40002: ["azure-lb", "f5-fastl4"],
                40003: ["aws-nat-gateway", "azure-lb", "f5-fastl4"],
                40004: ["aws-nat-gateway", "azure-lb", "f5-fastl4", "gcp-cloud-nat"],
                40006: ["aws-nat-gateway", "azure-lb", "f5-fastl4"],  # idle at the end
                40008: ["azure-lb", "f5-fastl4"]}
        check("matrix: each device cuts the right connections", got == want,
              f"got {got} want {want}")
        m = [x for x in rep["matrix"] if x["client"]["port"] == 40004][0]
        first = rep["capture"]["first"]["offset_s"]
        req = 0.3 + 0.0002 + 0.001 + 0.0002  # the request/answer before the 1300.5 s gap
        check("matrix: each cut at last packet + that device's timeout",
              all(abs(m["cuts"][n][0] - (req + t) - first) < 0.0015 for n, t in (
                  ("f5-fastl4", 300), ("azure-lb", 240), ("aws-nat-gateway", 350),
                  ("gcp-cloud-nat", 1200))), m["cuts"])

    # --- --time-scale as idlecut's ---
    rc, rep, err = L.replay_json(cap, "--preset", "f5-fastl4", "--time-scale", "0.5")
    check("time-scale 0.5: 150 s timeout, the 240.5 s gap is cut too",
          rc == 0 and 40001 in cut_ports(rep) and all(
              abs(c["idle_s"] - 150) < 0.0011 for c in rep["scenarios"][0]["cuts"]), err)

    # --- the same capture in every format and link type gives the same report ---
    rc, ref, err = L.replay_json(cap, "--preset", "f5-fastl4", "--preset", "aws-nat-gateway")
    for name, dlt, ng in (("pcapng", L.DLT_EN10MB, True), ("sll", L.DLT_SLL, False),
                          ("sll2", L.DLT_SLL2, False), ("raw", L.DLT_RAW_FILE, False)):
        p = path(f"base-{name}.pcap")
        L.write_capture(p, pk, dlt, pcapng=ng)
        o = path(f"out-{name}.pcap")
        rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4", "--preset", "aws-nat-gateway",
                                     out=o)
        check(f"{name}: the same report as the Ethernet pcap",
              rc == 0 and ref and strip(rep) == strip(ref), err)
        if rc == 0 and name != "pcapng":
            f5o = path(f"out-{name}.f5-fastl4.pcap")
            r = L.rst_frames(f5o)
            check(f"{name}: --out keeps the link type and carries the RSTs", len(r) == 10,
                  f"{len(r)} RSTs in {f5o}")
    # the same file big-endian, and with nanosecond timestamps (both read from the mapping)
    for name, fn in (("big-endian", to_big_endian), ("nanosecond", to_nanoseconds)):
        p = path(f"base-{name}.pcap")
        fn(cap, p)
        rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4", "--preset", "aws-nat-gateway")
        check(f"{name} pcap: the same report", rc == 0 and ref and strip(rep) == strip(ref), err)
    v4 = [p for p in pk if IP in p]
    p = path("base-ipv4.pcap")
    L.write_capture(p, v4, L.DLT_IPV4)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4")
    check("DLT_IPV4: read, the IPv4 cuts found",
          rc == 0 and cut_ports(rep) == [40002, 40003, 40004, 40006], err)

    # --- VLAN tags are kept: on the flow, in the report and on the RSTs ---
    vpk = conn(41000, T0, [301.0], vlan=300)
    p = path("vlan.pcap")
    L.write_capture(p, vpk)
    o = path("vlan-out.pcap")
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4", out=o)
    if check("vlan: exit 0", rc == 0, err):
        c = rep["scenarios"][0]["cuts"]
        tags = [fr[Dot1Q].vlan for _, fr in L.read_frames(o) if TCP in fr and
                fr[TCP].flags & 0x04 and Dot1Q in fr]
        check("vlan: cut on VLAN 300, both RSTs tagged 300",
              len(c) == 1 and c[0]["vlans"] == [300] and tags == [300, 300], f"{c} {tags}")

    access_vlan_keys()
    access_vlan_cuts()
    early_drop_evictions()

    # --- bursts longer than the replay's ring of records: 48 connections in step ---
    bpk = []
    for k in range(48):
        bpk += conn(43000 + k, T0, [320.5] if k % 2 else [200.0])
    bpk.sort(key=lambda x: x.time)  # stable: 48 SYNs in a row, 48 SYN+ACKs, ...
    p, o = path("bursts.pcap"), path("bursts-out.pcap")
    L.write_capture(p, bpk)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4", out=o)
    if check("bursts: exit 0", rc == 0, err):
        s = rep["scenarios"][0]["summary"]
        check("bursts: 48 flows seen, the 24 with the 320.5 s gap cut",
              s["flows_seen"] == 48 and s["cut"] == 24 and s["packets_dropped"] == 24 * 6, s)
        L.check_against_model("bursts", p, rep, o, 300, "drop")

    # --- a new SYN on the same 5-tuple after the cut starts a new flow ---
    rpk = conn(42000, T0, [], close=False) + conn(42000, T0 + 400, [], close=False)
    p = path("reuse.pcap")
    L.write_capture(p, rpk)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4")
    if check("reuse: exit 0", rc == 0, err):
        c = rep["scenarios"][0]["cuts"]
        check("reuse: the later SYN after the cut is a new flow",
              len(c) == 1 and c[0]["after"]["first"]["what"] == "new_flow", c)

    timeline()
    sparse_clock()
    bad_inputs(pk)
    L.finish()


def access_vlan_keys():
    """Untagged frames take each scenario's own access VLAN in its flows, whichever scenario
    comes first (the replay keys its records with the first one's, and hands its keys to
    the engines only where they are the engine's own)."""
    with open(os.path.join(L.SRC_ROOT, "configs", "f5-fastl4.yaml")) as f:
        text = f.read()
    ports = "ports: [{name: lab, inside: {tap: ic-in}, outside: {tap: ic-out}}]"
    if not check("access VLAN: the F5 preset's ports line is as expected", ports in text):
        return
    scn = path("f5-vlan.yaml")
    with open(scn, "w") as f:
        f.write(text.replace("name: f5-fastl4\n", "name: f5-vlan\n").replace(ports, (
            "ports: [{name: lab, inside: {tap: ic-in, vlan: 300}, "
            "outside: {tap: ic-out, vlan: 300}}]")))
    want = [40002, 40003, 40004, 40006, 40008]
    for order in (("--preset", "f5-fastl4", "--scenario", scn),
                  ("--scenario", scn, "--preset", "f5-fastl4")):
        rc, rep, err = L.replay_json(path("base.pcap"), *order)
        if not check(f"access VLAN {order[0]} first: exit 0", rc == 0, err):
            continue
        got = {s["name"]: (cut_ports(rep, i), sorted({tuple(c["vlans"]) for c in s["cuts"]}))
               for i, s in enumerate(rep["scenarios"])}
        check(f"access VLAN {order[0]} first: the same cuts, on VLAN 300 only in f5-vlan",
              got == {"f5-fastl4": (want, [()]), "f5-vlan": (want, [(300,)])}, got)


def f5_variant(name, ports=None, flow_table=None):
    """A copy of the F5 preset named @name, with another ports line or flow_table line."""
    with open(os.path.join(L.SRC_ROOT, "configs", "f5-fastl4.yaml")) as f:
        text = f.read()
    p0 = "ports: [{name: lab, inside: {tap: ic-in}, outside: {tap: ic-out}}]"
    t0 = "flow_table: {capacity: 1048576, when_full: forward, reaper: {high: 95%, low: 85%}}"
    if (ports and p0 not in text) or (flow_table and t0 not in text):
        return None
    text = text.replace("name: f5-fastl4\n", f"name: {name}\n")
    if ports:
        text = text.replace(p0, ports)
    if flow_table:
        text = text.replace(t0, flow_table)
    scn = path(f"{name}.yaml")
    with open(scn, "w") as f:
        f.write(text)
    return scn


def without_vlans(cuts):
    return sorted(({k: v for k, v in c.items() if k != "vlans"} for c in cuts),
                  key=lambda c: c["client"]["port"])


def access_vlan_cuts():
    """Each scenario's cuts are the replay's flows' whatever its access VLAN: the F5 preset
    and a copy with access VLAN 300 (on the inside port, on both, on the outside port), in
    both orders, on the untagged base capture. Every scenario's report against the model
    (the last packet before the cut exactly, the later segments all dropped, the RSTs in
    its --out), the copy's cuts the same as the preset's but on VLAN 300, and the matrix
    naming both at the same times."""
    cap = path("base.pcap")
    variants = (("f5-in300", "inside: {tap: ic-in, vlan: 300}, outside: {tap: ic-out}"),
                ("f5-both300", "inside: {tap: ic-in, vlan: 300}, outside: {tap: ic-out, "
                               "vlan: 300}"),
                ("f5-out300", "inside: {tap: ic-in}, outside: {tap: ic-out, vlan: 300}"))
    for name, sides in variants:
        scn = f5_variant(name, ports=f"ports: [{{name: lab, {sides}}}]")
        if not check(f"{name}: the F5 preset's ports line is as expected", scn):
            return
        for k, order in enumerate((("--preset", "f5-fastl4", "--scenario", scn),
                                   ("--scenario", scn, "--preset", "f5-fastl4"))):
            what = f"{name} {'second' if k == 0 else 'first'}"
            out = path(f"av-{name}-{k}.pcap")
            rc, rep, err = L.replay_json(cap, *order, out=out)
            if not check(f"{what}: exit 0", rc == 0, err):
                continue
            idx = {s["name"]: i for i, s in enumerate(rep["scenarios"])}
            for n, i in sorted(idx.items()):
                L.check_against_model(f"{what}: {n}", cap, rep, out[:-5] + f".{n}.pcap", 300,
                                      "drop", scenario=i)
            f5 = rep["scenarios"][idx["f5-fastl4"]]["cuts"]
            vl = rep["scenarios"][idx[name]]["cuts"]
            check(f"{what}: the same cuts as the preset's (last packet, after, RSTs)",
                  f5 and without_vlans(vl) == without_vlans(f5),
                  f"{without_vlans(vl)} vs {without_vlans(f5)}")
            check(f"{what}: the copy's cuts on VLAN 300, the preset's untagged",
                  all(c["vlans"] == [300] for c in vl) and all(c["vlans"] == [] for c in f5))
            tags = [Dot1Q in fr for _, fr in L.read_frames(out[:-5] + f".{name}.pcap")
                    if TCP in fr and fr[TCP].flags & 0x04]
            check(f"{what}: the copy's RSTs in --out untagged, as the capture's frames",
                  len(tags) == 2 * len(vl) and not any(tags), tags)
            rows = {m["client"]["port"]: m["cuts"] for m in rep["matrix"]}
            check(f"{what}: the matrix has each cut flow once, cut by both at the same time",
                  sorted(rows) == [40002, 40003, 40004, 40006, 40008] and
                  all(r.get(name) and r.get(name) == r.get("f5-fastl4") for r in rows.values()),
                  rows)


def early_drop_evictions():
    """A table of 64 flows (the least a scenario may ask) with when_full: early-drop, and 80
    connections opened at once: each SYN past the 64th evicts a flow (early-drop looks in
    the new flow's bucket and the next: with 64 flows in the table's 80 slots, 8 buckets of
    10, no two neighbouring buckets are both empty), 16 in all, during the records'
    bursts. The evicted connections' later segments are strays (stray_tcp: drop) and build
    no flow, so nothing else is evicted; the report, text and JSON, says 16."""
    scn = f5_variant("f5-small", flow_table="flow_table: {capacity: 64, when_full: early-drop}")
    if not check("early-drop: the F5 preset's flow_table line is as expected", scn):
        return
    k_conns, cap_flows = 80, 64
    pk = []
    for k in range(k_conns):
        c = conn(48000 + k, T0 + 1.0 + k * 0.01, [], close=True)
        syn = c[0]
        syn.time = T0 + k * 0.001  # the SYNs first, in turn, 1 ms apart
        pk += c
    pk.sort(key=lambda x: x.time)
    per_conn = len(pk) // k_conns
    p = path("early-drop.pcap")
    L.write_capture(p, pk)
    rc, rep, err = L.replay_json(p, "--scenario", scn)
    if check("early-drop: exit 0", rc == 0, err):
        s = rep["scenarios"][0]["summary"]
        evicted = k_conns - cap_flows
        check(f"early-drop: {evicted} flows evicted, in the JSON",
              s["evicted"] == evicted, s)
        check(f"early-drop: the evicted connections' {per_conn - 1} later segments each dropped",
              s["packets_dropped"] == evicted * (per_conn - 1) and s["cut"] == 0, s)
    rc, so, err = L.run("--scenario", scn, p)
    check(f"early-drop: the text summary says evicted {k_conns - cap_flows}",
          rc == 0 and f"evicted {k_conns - cap_flows}\n" in so, so[-600:])
    # the same connections one after another fit: nothing evicted
    seq = []
    for k in range(k_conns):
        seq += conn(48100 + k, T0 + k * 10.0, [], close=True)
    p = path("early-drop-seq.pcap")
    L.write_capture(p, seq)
    rc, rep, err = L.replay_json(p, "--scenario", scn)
    check("early-drop: connections closed in turn (TIME_WAIT 2 s) evict nothing",
          rc == 0 and rep["scenarios"][0]["summary"]["evicted"] == 0 and
          rep["scenarios"][0]["summary"]["packets_dropped"] == 0, err or rep["scenarios"])


def timeline():
    """A scenario's timeline runs at its offsets from the first record: a "set" applies to
    flows from their next packet, a "flush" cuts what is open with the profile's action."""
    with open(os.path.join(L.SRC_ROOT, "configs", "f5-fastl4.yaml")) as f:
        text = f.read()
    scn = path("timeline.yaml")
    with open(scn, "w") as f:
        f.write(text + "timeline:\n"
                "  - at: 120s\n    set: {profile: f5-fastl4, tcp.established: 60s}\n"
                "  - at: 400s\n    flush: all\n")
    tp = (conn(46001, T0, [130.0], close=False)     # A: refreshed after the set: 60 s
          + conn(46002, T0 + 10, [], close=False)   # B: idle since 10 s: its armed 300 s
          + conn(46003, T0 + 350, [40.0], close=False)  # C: open at 400 s: flushed
          + conn(46004, T0 + 500, [1.0], close=False))  # a packet after, to end at 501 s
    tp.sort(key=lambda p: p.time)
    p = path("timeline.pcap")
    L.write_capture(p, tp)
    rc, rep, err = L.replay_json(p, "--scenario", scn)
    if not check("timeline: exit 0", rc == 0, err):
        return
    cuts = {c["client"]["port"]: c for c in rep["scenarios"][0]["cuts"]}
    a, b, c = cuts.get(46001), cuts.get(46002), cuts.get(46003)
    check("timeline: set applies from the next packet (60 s after +130 s)",
          a and a["reason"] == "timeout" and abs(a["idle_s"] - 60) < 0.0011, a)
    check("timeline: an idle flow keeps its armed timeout (cut at +310 s)",
          b and abs(b["cut"]["offset_s"] - (10 + 0.0014 + 300)) < 0.0015, b)
    check("timeline: flush at +400 s cuts the open flow with reset-both",
          c and c["reason"] == "flush" and abs(c["cut"]["offset_s"] - 400) < 0.0011 and
          c["action"] == "reset-both" and len(c["rsts"]) == 2, c)
    check("timeline: nothing else cut", sorted(cuts) == [46001, 46002, 46003], sorted(cuts))


def sparse_clock():
    """Between records far apart the replay's clock jumps to the ticks at which a flow is
    due rather than stepping every millisecond: each cut must still land at its own last
    packet + 300 s (the tick after the last packet, rounded up to the millisecond), while
    other flows are active, two of them 1 ms apart, one past a whole revolution of the
    65.5 s wheel with no record in between, and its RSTs in --out carry that time."""
    sp = (conn(47001, T0, [], close=False)                 # last 0.0014 s: cut 300.002
          + conn(47002, T0 + 0.0007, [], close=False)      # last 0.0021 s: cut 300.003
          + conn(47003, T0 + 0.2, [99.0] * 10, close=False)  # every 99 s: never idle 300 s
          + conn(47004, T0 + 5.3333, [], close=False)      # last 5.3347 s: cut 305.335
          + conn(47005, T0 + 650.1234, [], close=False)    # last 650.1248 s: cut 950.125
          + conn(47006, T0 + 1100, [], close=False))       # the capture ends at 1100 s
    sp.sort(key=lambda p: p.time)
    p, out = path("sparse.pcap"), path("sparse-out.pcap")
    L.write_capture(p, sp)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4", out=out)
    if not check("sparse clock: exit 0", rc == 0, err):
        return
    cuts = {c["client"]["port"]: c for c in rep["scenarios"][0]["cuts"]}
    check("sparse clock: exactly the flows idle 300 s are cut",
          sorted(cuts) == [47001, 47002, 47004, 47005], sorted(cuts))
    want = {47001: 300.002, 47002: 300.003, 47004: 305.335, 47005: 950.125}
    rsts = L.rst_frames(out)
    first = float(sp[0].time)
    for port, at in want.items():
        c = cuts.get(port)
        if not check(f"sparse clock: {port} cut", c is not None):
            continue
        gap = c["cut"]["offset_s"] - c["last_packet"]["offset_s"]
        check(f"sparse clock: {port} cut at {at} s, its last packet + 300 s (to the ms)",
              abs(c["cut"]["offset_s"] - at) < 1e-6 and 300 - 1e-6 <= gap < 300.001 - 1e-6,
              f"cut {c['cut']['offset_s']} last {c['last_packet']['offset_s']}")
        times = [t - first for t, _, sport, _, dport, _, _ in rsts if port in (sport, dport)]
        check(f"sparse clock: {port}'s two RSTs in --out at its cut time",
              len(times) == 2 and all(abs(t - at) < 1e-5 for t in times), times)


def bad_inputs(pk):
    # missing, directory, empty, short header, not a capture
    rc, _, err = L.run("--preset", "f5-fastl4", path("missing.pcap"))
    one_line_error("missing file", rc, err, "cannot open")
    rc, _, err = L.run("--preset", "f5-fastl4", WORK)
    one_line_error("a directory", rc, err, "directory")
    open(path("empty.pcap"), "wb").close()
    rc, _, err = L.run("--preset", "f5-fastl4", path("empty.pcap"))
    one_line_error("empty file", rc, err, "empty file")
    with open(path("base.pcap"), "rb") as f:
        whole = f.read()
    with open(path("short.pcap"), "wb") as f:
        f.write(whole[:10])
    rc, _, err = L.run("--preset", "f5-fastl4", path("short.pcap"))
    one_line_error("a file cut inside its header", rc, err, "not a readable pcap")
    with open(path("text.pcap"), "w") as f:
        f.write("this is not a capture, it is a text file of some length\n" * 4)
    rc, _, err = L.run("--preset", "f5-fastl4", path("text.pcap"))
    one_line_error("not a capture", rc, err, "not a readable pcap")
    # unknown link type (802.11)
    with open(path("wifi.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
        f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"\0\0\0\0")
    rc, _, err = L.run("--preset", "f5-fastl4", path("wifi.pcap"))
    one_line_error("unknown link type", rc, err, "link type 105")
    # unknown preset, bad name, bad scenario, bad options
    rc, _, err = L.run("--preset", "no-such-device", path("base.pcap"))
    one_line_error("unknown preset", rc, err, "unknown preset 'no-such-device'")
    check("unknown preset: the message lists the presets", "f5-fastl4" in err, err)
    rc, _, err = L.run("--preset", "../etc/passwd", path("base.pcap"))
    one_line_error("a preset name with a path", rc, err, "not a name")
    with open(path("bad.yaml"), "w") as f:
        f.write("name: x\nports: [{name: a, inside: {port: 0}, outside: {port: 1}}]\n"
                "profiles:\n  p:\n    tcp: {established: forever}\ndefault_profile: p\n")
    rc, _, err = L.run("--scenario", path("bad.yaml"), path("base.pcap"))
    one_line_error("invalid scenario", rc, err, path("bad.yaml") + ":5:")
    rc, _, err = L.run("--preset", "f5-fastl4", "--time-scale", "0", path("base.pcap"))
    one_line_error("time scale 0", rc, err, "--time-scale")
    rc, _, err = L.run(path("base.pcap"))
    one_line_error("no scenario", rc, err, "--scenario")
    rc, _, err = L.run("--preset", "f5-fastl4")
    one_line_error("no capture", rc, err, "capture")
    rc, _, err = L.run("--preset", "f5-fastl4", "--bogus", path("base.pcap"))
    one_line_error("unknown option", rc, err, "--bogus")

    # a capture spanning more than 24.8 days: ticks would wrap
    lpk = conn(45000, T0, [25 * 86400.0])
    p = path("long.pcap")
    L.write_capture(p, lpk)
    rc, _, err = L.run("--preset", "f5-fastl4", p)
    one_line_error("a capture over 24.8 days", rc, err, "spans at most")

    # a capture cut in the middle of a record: reported, counted, said once
    with open(path("cut.pcap"), "wb") as f:
        f.write(whole[:-7])
    rc, rep, err = L.replay_json(path("cut.pcap"), "--preset", "f5-fastl4")
    lines = [x for x in err.splitlines() if "truncated" in x or "after record" in x]
    check("file cut mid-record: report of the records before it, said once, counted",
          rc == 0 and rep and rep["capture"]["packets"] == len(pk) - 1 and
          rep["capture"]["damaged_end"] and len(lines) == 1, f"rc {rc} {err!r}")

    # timestamps going backwards: counted, taken as the previous time, said once
    bpk = conn(43000, T0, [301.0])
    bpk[4].time = bpk[3].time - 5  # the answer to the first request comes "before" it
    p = path("back.pcap")
    L.write_capture(p, bpk)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4")
    if check("backwards: exit 0", rc == 0, err):
        c = rep["scenarios"][0]["cuts"]
        check("backwards: counted, said once on stderr, the cut at the previous time + 300 s",
              rep["capture"]["backwards_timestamps"] == 1 and
              err.count("back in time") == 1 and len(c) == 1 and
              abs(c[0]["idle_s"] - 300) < 0.0011 and
              abs(c[0]["last_packet"]["offset_s"] - (float(bpk[5].time) - T0)) < 1e-6,
              f"{rep['capture']} {c} {err!r}")

    # frames cut by the snap length: counted, still tracked, exact numbers
    tpk = conn(44000, T0, [301.0])
    for q in tpk:
        if Raw in q:
            q[Raw].load = q[Raw].load * 40  # 320 and 680 bytes of data
            del q[IP].len
            del q[IP].chksum
            del q[TCP].chksum
    # the ACK numbers follow the longer data
    tpk = [Ether(bytes(q)) for q in tpk]
    for q, o in zip(tpk, conn(44000, T0, [301.0])):
        q.time = o.time
    fix_numbers(tpk)
    p = path("snap.pcap")
    L.write_capture(p, tpk, snaplen=96)
    full = path("snapfull.pcap")
    L.write_capture(full, tpk)
    truncate_records(p, 96)
    rc, rep, err = L.replay_json(p, "--preset", "f5-fastl4")
    rc2, ref, err2 = L.replay_json(full, "--preset", "f5-fastl4")
    if check("snaplen: exit 0", rc == 0 and rc2 == 0, err + err2):
        check("snaplen: truncated frames counted",
              rep["capture"]["truncated"] == 4, rep["capture"])
        check("snaplen: same cut and RST numbers as the full capture",
              rep["scenarios"][0]["cuts"] == ref["scenarios"][0]["cuts"] and
              len(ref["scenarios"][0]["cuts"]) == 1,
              f"{rep['scenarios'][0]['cuts']} vs {ref['scenarios'][0]['cuts']}")


def fix_numbers(pk):
    """Recompute seq/ack of a conn() whose payloads grew, so the exchange stays consistent."""
    nxt = {}
    for q in pk:
        t = q[TCP]
        d = (q[IP].src, t.sport)
        r = (q[IP].dst, t.dport)
        if t.flags & 0x02 and not t.flags & 0x10:
            nxt[d] = t.seq + 1
            continue
        if t.flags & 0x02:
            nxt[d] = t.seq + 1
            continue
        t.seq = nxt[d]
        t.ack = nxt.get(r, 0)
        nxt[d] = t.seq + len(t.payload) + (1 if t.flags & 0x01 else 0)
        del t.chksum


def records(src):
    data = open(src, "rb").read()
    o, out = 24, []
    while o + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[o:o + 16])
        out.append((sec, frac, incl, orig, data[o + 16:o + 16 + incl]))
        o += 16 + incl
    return data[:24], out


def to_big_endian(src, dst):
    hdr, recs = records(src)
    magic, vmaj, vmin, zone, sig, snap, lt = struct.unpack("<IHHiIII", hdr)
    out = bytearray(struct.pack(">IHHiIII", magic, vmaj, vmin, zone, sig, snap, lt))
    for sec, frac, incl, orig, body in recs:
        out += struct.pack(">IIII", sec, frac, incl, orig) + body
    open(dst, "wb").write(out)


def to_nanoseconds(src, dst):
    hdr, recs = records(src)
    out = bytearray(struct.pack("<I", 0xa1b23c4d) + hdr[4:])
    for sec, frac, incl, orig, body in recs:
        out += struct.pack("<IIII", sec, frac * 1000, incl, orig) + body
    open(dst, "wb").write(out)


def truncate_records(p, snap):
    """Cut every record of pcap @p to @snap bytes (the wire length stays)."""
    with open(p, "rb") as f:
        data = f.read()
    out = bytearray(data[:24])
    out[16:20] = struct.pack("<I", snap)
    o = 24
    while o + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[o:o + 16])
        body = data[o + 16:o + 16 + incl]
        keep = body[:snap]
        out += struct.pack("<IIII", sec, frac, len(keep), orig) + keep
        o += 16 + incl
    with open(p, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    try:
        main()
    finally:
        if L.FAILS == 0:
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print(f"work files kept in {WORK}")
