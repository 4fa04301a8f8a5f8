#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile frames crafted with scapy, sent on AF_PACKET from the client namespace.

  hostile.py IFACE DSTMAC OUT.json

Sends every kind of broken or abusive frame the hardening issue lists and writes, per
kind, how many frames the kernel accepted for sending (a frame shorter than the Ethernet
header may be refused by the kernel itself: that is recorded, not hidden).
"""
import json
import random
import socket
import sys

from scapy.all import (Dot1AD, Dot1Q, Ether, IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, TCP, UDP, conf)

conf.verb = 0
SRC, DST = "198.18.0.1", "198.18.0.2"
SRC6, DST6 = "2001:db8:0::1", "2001:db8:0::2"


def frames(smac, dmac):
    e = Ether(src=smac, dst=dmac)
    good_tcp = bytes(e / IP(src=SRC, dst=DST) / TCP(sport=5555, dport=80, flags="S") / (b"x" * 20))
    good_v6 = bytes(e / IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
                    / TCP(sport=5556, dport=80, flags="S"))
    good_vlan = bytes(e / Dot1Q(vlan=300) / IP(src=SRC, dst=DST) / UDP(sport=5557, dport=53)
                      / (b"q" * 8))
    k = {}
    # Truncated at every header boundary (and every byte) of three valid frames.
    k["truncated"] = [good_tcp[:n] for n in range(14, len(good_tcp) - 20)] + \
        [good_v6[:n] for n in range(14, len(good_v6) - 1)] + \
        [good_vlan[:n] for n in range(18, 18 + 20 + 8)]
    ip = bytearray(good_tcp)
    ip[14] = 0x43  # IHL 3
    k["bad_ipv4_header"] = [bytes(ip)]
    ip = bytearray(good_tcp)
    ip[16:18] = (1400).to_bytes(2, "big")  # total length beyond the frame
    k["bad_ipv4_length"] = [bytes(ip)]
    k["bad_tcp_offset"] = [
        bytes(e / IP(src=SRC, dst=DST) / TCP(sport=5558, dport=80, flags="S", dataofs=3)),
        bytes(e / IP(src=SRC, dst=DST) / TCP(sport=5559, dport=80, flags="S", dataofs=15)),
    ]
    # A chain of ten extension headers, and one whose length runs off the end.
    chain = IPv6(src=SRC6, dst=DST6)
    for _ in range(10):
        chain = chain / IPv6ExtHdrDestOpt()
    off_end = bytearray(bytes(e / IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrRouting() / (b"\0" * 8)))
    off_end[14 + 40 + 1] = 200  # routing header claims 1608 bytes
    off_end[18:20] = (len(off_end) - 54).to_bytes(2, "big")
    k["bad_ipv6_ext"] = [bytes(e / chain / TCP(sport=5560, dport=80)), bytes(off_end)]
    k["too_many_vlans"] = [bytes(Ether(src=smac, dst=dmac, type=0x88A8) / Dot1AD(vlan=10)
                                 / Dot1Q(vlan=20) / Dot1Q(vlan=30) / IP(src=SRC, dst=DST)
                                 / UDP(sport=5561, dport=53))]
    k["bad_tcp_flags"] = [bytes(e / IP(src=SRC, dst=DST) / TCP(sport=5562, dport=80,
                                                               flags="SF"))]
    k["tiny"] = [b"", b"\x01"]
    # SYN flood with random ports, far beyond the table's capacity.
    rnd = random.Random(7)
    k["syn_flood"] = [bytes(e / IP(src=SRC, dst=DST) / TCP(sport=rnd.randrange(1024, 65535),
                                                           dport=rnd.randrange(1, 65535),
                                                           flags="S", seq=rnd.getrandbits(32)))
                      for _ in range(400)]
    # RSTs and FINs for flows that do not exist.
    k["stray_rst_fin"] = [bytes(e / IP(src=SRC, dst=DST) / TCP(sport=6000 + i, dport=80,
                                                               flags=f, seq=1000, ack=2000))
                          for i, f in enumerate(["R", "RA", "FA", "F"] * 5)]
    # One real-looking flow with overlapping and backwards sequence numbers.
    ov = []
    for seq in (100, 50, 100, 80, 4294967000, 120):
        ov.append(bytes(e / IP(src=SRC, dst=DST) / TCP(sport=6100, dport=80, flags="PA",
                                                       seq=seq, ack=1) / (b"o" * 40)))
    k["overlap"] = [bytes(e / IP(src=SRC, dst=DST) / TCP(sport=6100, dport=80, flags="S",
                                                         seq=99))] + ov
    return k


def main():
    iface, dmac, out = sys.argv[1:4]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    smac = open(f"/sys/class/net/{iface}/address").read().strip()
    res = {}
    for kind, fl in frames(smac, dmac).items():
        sent = refused = 0
        for f in fl:
            try:
                s.send(f)
                sent += 1
            except OSError:
                refused += 1
        res[kind] = {"sent": sent, "refused": refused}
    json.dump(res, open(out, "w"))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
