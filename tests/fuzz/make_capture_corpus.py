#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_capture (tests/fuzz/corpus/capture/): small capture files
in every link type idlecut-replay reads (Ethernet with and without VLAN tags, SLL, SLL2,
raw IP, IPv4, IPv6), pcap (us and ns) and pcapng, with idle gaps past the fuzz scenarios'
timeouts (6 s and 2 s once scaled), a flow open before the capture, frames cut by the snap length, timestamps going
backwards and a file cut in the middle of a record. No file name ends in .pcap (the
repository ignores those). The directory is replaced; the output is deterministic.

    /usr/bin/python3 tests/fuzz/make_capture_corpus.py
"""
import logging
import os
import shutil
import struct
import sys
import tempfile

logging.getLogger("scapy").setLevel(logging.ERROR)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
import replay_lib as L  # noqa: E402
from scapy.all import IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw  # noqa: E402

T0 = 1700000000.0


def seg(src, dst, sp, dp, flags, seq, ack, t, data=b"", vlan=None, v6=False):
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    if vlan:
        e = e / Dot1Q(vlan=vlan)
    p = e / (IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)) / TCP(
        sport=sp, dport=dp, flags=flags, seq=seq, ack=ack)
    if data:
        p = p / Raw(data)
    p.time = t
    return p


def conn(gap, vlan=None, v6=False, syn=True, port=40000):
    c, s = ("2001:db8::1", "2001:db8::2") if v6 else ("198.18.0.1", "198.18.0.2")
    k = dict(vlan=vlan, v6=v6)
    out = []
    t = T0
    if syn:
        out += [seg(c, s, port, 80, "S", 100, 0, t, **k),
                seg(s, c, 80, port, "SA", 900, 101, t + 0.001, **k),
                seg(c, s, port, 80, "A", 101, 901, t + 0.002, **k)]
    out += [seg(c, s, port, 80, "PA", 101, 901, t + 0.003, b"hello", **k),
            seg(s, c, 80, port, "A", 901, 106, t + 0.004, **k),
            seg(c, s, port, 80, "PA", 106, 901, t + 0.004 + gap, b"late", **k),
            seg(s, c, 80, port, "A", 901, 110, t + 0.005 + gap, **k)]
    u = Ether() / IP(src=c if not v6 else "198.18.0.1", dst="198.18.0.2") / UDP(
        sport=53, dport=5353) / Raw(b"x")
    u.time = t + 0.5
    out.append(u)
    out.sort(key=lambda p: p.time)
    return out


def main():
    out = os.path.join(HERE, "corpus", "capture")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tmp = tempfile.mkdtemp()
    base = conn(8)

    def put(name, pkts, dlt=L.DLT_EN10MB, ng=False, snaplen=65535):
        p = os.path.join(tmp, name)
        L.write_capture(p, pkts, dlt, pcapng=ng, snaplen=snaplen)
        shutil.copy(p, os.path.join(out, name))
        return p

    put("eth_gap", base)
    put("eth_vlan", conn(8, vlan=300))
    put("eth_v6", conn(3, v6=True))
    put("eth_adopt", conn(9, syn=False))
    put("sll_gap", base, L.DLT_SLL)
    put("sll2_gap", base, L.DLT_SLL2)
    put("raw_gap", base, L.DLT_RAW_FILE)
    put("ipv4_gap", [p for p in base if IP in p], L.DLT_IPV4)
    put("pcapng_gap", base, ng=True)
    back = conn(8)
    back[4].time = back[3].time - 1
    put("eth_backwards", back)
    # every record cut to 54 bytes: headers kept, payload gone
    p = put("eth_snap", base)
    data = open(p, "rb").read()
    o, res = 24, bytearray(data[:24])
    while o + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[o:o + 16])
        res += struct.pack("<IIII", sec, frac, min(incl, 54), orig) + data[o + 16:o + 16 +
                                                                               min(incl, 54)]
        o += 16 + incl
    open(os.path.join(out, "eth_snap"), "wb").write(res)
    # a file cut in the middle of its last record
    open(os.path.join(out, "eth_cut"), "wb").write(data[:-9])
    # nanosecond pcap
    ns = bytearray(data)
    ns[0:4] = struct.pack("<I", 0xa1b23c4d)
    o = 24
    while o + 16 <= len(ns):
        sec, frac, incl, orig = struct.unpack("<IIII", ns[o:o + 16])
        ns[o:o + 16] = struct.pack("<IIII", sec, frac * 1000, incl, orig)
        o += 16 + incl
    open(os.path.join(out, "eth_nsec"), "wb").write(bytes(ns))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
