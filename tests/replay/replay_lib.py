# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the idlecut-replay tests: captures in every link type, an independent model of
what an idle timeout does to a capture's TCP connections, and checks of a replay's report
and --out file against it. Needs the system python's scapy (python3-scapy)."""

import json
import logging
import os
import subprocess
import sys

# scapy warns when raw IP frames are written under LINKTYPE_RAW: that is the point here.
logging.getLogger("scapy").setLevel(logging.ERROR)
from scapy.all import (IP, TCP, UDP, CookedLinux, CookedLinuxV2, Dot1Q, Ether, IPv6,
                       PcapReader, wrpcap, wrpcapng)

REPLAY = os.environ.get("IDLECUT_REPLAY", "")
SRC_ROOT = os.environ.get("IDLECUT_SOURCE_ROOT",
                          os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

DLT_EN10MB, DLT_RAW_FILE, DLT_SLL, DLT_SLL2, DLT_IPV4, DLT_IPV6 = 1, 101, 113, 276, 228, 229

PASSES = 0
FAILS = 0


def ok(what):
    global PASSES
    PASSES += 1
    print(f"ok: {what}", flush=True)


def fail(what, detail=""):
    global FAILS
    FAILS += 1
    print(f"FAIL: {what}" + (f": {detail}" if detail else ""), flush=True)


def check(what, cond, detail=""):
    if cond:
        ok(what)
    else:
        fail(what, detail)
    return cond


def finish():
    print(f"{PASSES} passed, {FAILS} failed")
    sys.exit(1 if FAILS or not PASSES else 0)


def run(*args, timeout=120):
    """Run idlecut-replay; returns (rc, stdout, stderr)."""
    p = subprocess.run([REPLAY, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def replay_json(path, *args, out=None):
    """Replay and return (rc, report dict or None, stderr)."""
    jpath = path + ".json"
    extra = ["--out", out] if out else []
    rc, _, err = run(*args, "--json", jpath, *extra, path)
    rep = None
    if rc == 0 and os.path.exists(jpath):
        with open(jpath) as f:
            rep = json.load(f)
    return rc, rep, err


# ------------------------------------------------------------------------- link types

def to_linktype(pkts, dlt):
    """The Ethernet frames @pkts as frames of link type @dlt (times kept)."""
    out = []
    for p in pkts:
        if dlt == DLT_EN10MB:
            q = p
        else:
            inner = p[Ether].payload
            if dlt == DLT_SLL:
                q = CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6,
                                src=bytes.fromhex(p[Ether].src.replace(":", "")) + b"\0\0",
                                proto=p[Ether].type) / inner
            elif dlt == DLT_SLL2:
                q = CookedLinuxV2(proto=p[Ether].type, ifindex=2, lladdrtype=1, pkttype=0,
                                  lladdrlen=6,
                                  src=bytes.fromhex(p[Ether].src.replace(":", "")) + b"\0\0") \
                    / inner
            else:
                q = inner
        q.time = p.time
        out.append(q)
    return out


def write_capture(path, pkts, dlt=DLT_EN10MB, pcapng=False, snaplen=65535):
    frames = to_linktype(pkts, dlt)
    if pcapng:
        wrpcapng(path, frames)
    else:
        wrpcap(path, frames, linktype=dlt, snaplen=snaplen)


def read_frames(path):
    """(time, scapy packet) of every record of a capture, any link type scapy knows."""
    with PcapReader(path) as r:
        return [(float(p.time), p) for p in r]


# ------------------------------------------------------------------------- the model

def l3(p):
    return p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)


def tcp_conns(frames):
    """Connections (client, server) -> list of (time, from_client, tcp) in capture order.
    The client is the sender of the SYN; a connection without one is keyed by its ephemeral
    (higher) port's owner, as the replay says."""
    conns = {}
    for t, p in frames:
        ip = l3(p)
        if ip is None or TCP not in p:
            continue
        tc = p[TCP]
        a, b = (ip.src, tc.sport), (ip.dst, tc.dport)
        key = None
        for k in ((a, b), (b, a)):
            if k in conns:
                key = k
        if key is None:
            syn = (tc.flags & 0x12) == 0x02
            if syn:
                key = (a, b)
            elif (tc.flags & 0x12) == 0x12:
                key = (b, a)
            else:
                key = (a, b) if tc.sport > tc.dport else (b, a)
            conns[key] = []
        conns[key].append((t, key[0] == a, tc, len(tc.payload)))
    return conns


def expected_cut(segs, timeout, end):
    """(index of the last segment before the cut, cut time) for the first idle gap over
    @timeout seconds of a connection, up to the capture's end @end (a flow idle at the end
    for less than the timeout is not cut), or None. A connection closed by FIN or RST
    before the gap is not cut either."""
    for i in range(len(segs)):
        nxt = segs[i + 1][0] if i + 1 < len(segs) else end
        if segs[i][2].flags & 0x04:
            return None
        if nxt - segs[i][0] > timeout:
            fins = {s[1] for s in segs[:i + 1] if s[2].flags & 0x01}
            if len(fins) == 2:
                return None  # both ends closed: TIME_WAIT, not a live connection
            return i, segs[i][0] + timeout
    return None


def expected_rsts(segs, upto):
    """Sequence numbers an RST to each end needs, from segments[0..upto]: to an endpoint,
    seq = its RCV.NXT (the last ACK it sent), ack = its own next sequence number."""
    nxt = {True: None, False: None}
    last_ack = {True: None, False: None}
    for t, from_client, tc, plen in segs[:upto + 1]:
        end = (tc.seq + plen + (1 if tc.flags & 0x02 else 0) + (1 if tc.flags & 0x01 else 0)) \
            & 0xffffffff
        if nxt[from_client] is None or ((end - nxt[from_client]) & 0xffffffff) < 0x80000000:
            nxt[from_client] = end
        if tc.flags & 0x10:
            last_ack[from_client] = tc.ack
    return {
        "client": (last_ack[True] if last_ack[True] is not None else nxt[False], nxt[True]),
        "server": (last_ack[False] if last_ack[False] is not None else nxt[True], nxt[False]),
    }


def cuts_by_flow(rep, scenario=0):
    """{(client, server): cut} from a report."""
    out = {}
    for c in rep["scenarios"][scenario]["cuts"]:
        k = ((c["client"]["addr"], c["client"]["port"]), (c["server"]["addr"], c["server"]["port"]))
        out[k] = c
    return out


def rst_frames(path):
    """(time, src, sport, dst, dport, seq, ack) of every TCP RST in a capture."""
    out = []
    for t, p in read_frames(path):
        ip = l3(p)
        if ip is None or TCP not in p or not p[TCP].flags & 0x04:
            continue
        out.append((t, ip.src, p[TCP].sport, ip.dst, p[TCP].dport, p[TCP].seq, p[TCP].ack))
    return out


def check_against_model(what, cap, rep, out, timeout, stray, scenario=0):
    """The report and --out of one scenario (the @scenario-th of the report; established
    timeout @timeout, stray_tcp @stray: "drop", "reset" or {"inside": ..., "outside": ...})
    against the model: exactly the connections with a gap over the timeout are cut, at
    last packet + timeout, with RSTs carrying the numbers the capture implies, present in
    --out at the cut time, and the later segments get what the profile gives strays."""
    frames = read_frames(cap)
    conns = tcp_conns(frames)
    got = {k: v for k, v in cuts_by_flow(rep, scenario).items() if v["proto"] == "tcp"}
    want = {k: expected_cut(v, timeout, frames[-1][0]) for k, v in conns.items()}
    want = {k: v for k, v in want.items() if v is not None}
    check(f"{what}: exactly the connections idle over {timeout} s are cut "
          f"({len(want)} of {len(conns)})", set(got) == set(want),
          f"cut {sorted(got)} expected {sorted(want)}")
    rsts = rst_frames(out) if out else []
    for k, (last_i, cut_t) in want.items():
        c = got.get(k)
        if c is None:
            continue
        segs = conns[k]
        t0 = rep["capture"]["first"]["offset_s"]
        first_ts = float(frames[0][0])
        cut_rel = cut_t - first_ts
        check(f"{what}: {k[0][1]} cut at its last packet + {timeout} s",
              abs(c["cut"]["offset_s"] - cut_rel) <= 0.0011 and
              abs(c["last_packet"]["offset_s"] - (segs[last_i][0] - first_ts)) < 1e-6,
              f"cut {c['cut']['offset_s']} last {c['last_packet']['offset_s']} "
              f"expected {cut_rel} (first {t0})")
        exp = expected_rsts(segs, last_i)
        if rep["scenarios"][scenario]["cuts"] and c["action"] == "reset-both":
            byto = {r["to"]: (r["seq"], r["ack"]) for r in c["rsts"]}
            check(f"{what}: {k[0][1]} RSTs carry the receiver's next expected numbers",
                  byto == exp, f"report {byto} expected {exp}")
            if out:
                (ca, cp), (sa, sp) = k
                want_frames = {
                    (sa, sp, ca, cp) + exp["client"],
                    (ca, cp, sa, sp) + exp["server"],
                }
                found = {r[1:] for r in rsts if abs(r[0] - cut_t) <= 0.0011}
                check(f"{what}: {k[0][1]} both RSTs are in --out at the cut time",
                      want_frames <= found, f"want {want_frames} found {found}")
        later = len(segs) - last_i - 1
        by = c["after"]["by"]
        # stray_tcp by the side a segment arrives on: the client's on the inside
        sides = stray if isinstance(stray, dict) else {"inside": stray, "outside": stray}
        n_rst = sum(1 for sg in segs[last_i + 1:]
                    if sides["inside" if sg[1] else "outside"] == "reset" and
                    not sg[2].flags & 0x04)
        check(f"{what}: {k[0][1]} its {later} later segments get what stray_tcp {stray} "
              f"gives ({n_rst} answered with an RST, the rest dropped)",
              c["after"]["packets"] == later and by.get("rst_answered", 0) == n_rst and
              by.get("dropped", 0) == later - n_rst, f"after {c['after']}")
    return got, want
