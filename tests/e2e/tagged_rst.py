#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A tagged TCP connection crafted with scapy, and the RSTs idlecut sends at its timeout.

This kernel has no 802.1Q support, so neither end can be a Linux socket: both ends are
scapy on AF_PACKET, in two namespaces. The server answers the SYN and ACKs the data; then
both ends capture for HOLD seconds and report every RST they got, with its tags and
numbers, and the numbers an RFC 5961 stack would require.

  tagged_rst.py server IFACE TAGS PORT HOLD READYFILE
  tagged_rst.py client IFACE TAGS PORT HOLD DSTMAC
TAGS: "q" (802.1Q 300) or "qinq" (802.1ad 100 + 802.1Q 300).
"""
import json
import sys
import time

from scapy.all import AsyncSniffer, Dot1AD, Dot1Q, Ether, IP, TCP, Raw, conf, get_if_hwaddr, sendp

conf.verb = 0
CLI, SRV = ("198.18.0.1", 40000), ("198.18.0.2", None)
CISN, SISN = 0xFFFFFF00, 0x7FFFFFF0  # the client's wraps around zero with its data
DATA = b"x" * 300


def l2(src, dst, tags):
    e = Ether(src=src, dst=dst)
    if tags == "qinq":
        e.type = 0x88A8
        return e / Dot1AD(vlan=100) / Dot1Q(vlan=300)
    return e / Dot1Q(vlan=300)


def tag_list(p):
    out, layer = [], p.payload
    while isinstance(layer, (Dot1Q, Dot1AD)):
        out.append({"tpid": 0x88A8 if isinstance(layer, Dot1AD) else 0x8100, "vlan": layer.vlan})
        layer = layer.payload
    return out


def is_port(p, port):
    return TCP in p and (p[TCP].sport == port or p[TCP].dport == port)


def rsts(sniffed, me_port):
    out = []
    for p in sniffed:
        if TCP in p and p[TCP].flags & 0x04 and p[TCP].dport == me_port:
            out.append({"seq": p[TCP].seq, "ack": p[TCP].ack, "flags": str(p[TCP].flags),
                        "tags": tag_list(p), "src": p[IP].src, "sport": p[TCP].sport,
                        "t": p.time})
    return out


def sniffer(iface, port):
    """Start capturing this flow's packets; the list fills while the capture runs."""
    got = []
    sn = AsyncSniffer(iface=iface, lfilter=lambda p: is_port(p, port), prn=got.append,
                      store=False)
    sn.start()
    return sn, got


def server(iface, tags, port, hold, ready):
    mac = get_if_hwaddr(iface)
    sn, got = sniffer(iface, port)
    time.sleep(0.5)
    open(ready, "w").close()
    t_end = time.time() + 20
    cmac = None
    answered_syn = acked = False
    while time.time() < t_end and not acked:
        time.sleep(0.02)
        for p in list(got):
            if TCP not in p or p[TCP].dport != port:
                continue
            f = p[TCP].flags
            if f & 0x02 and not answered_syn:
                cmac = p[Ether].src
                sendp(l2(mac, cmac, tags) / IP(src=SRV[0], dst=CLI[0])
                      / TCP(sport=port, dport=CLI[1], flags="SA", seq=SISN, ack=CISN + 1),
                      iface=iface)
                answered_syn = True
            elif Raw in p and answered_syn and not acked:
                sendp(l2(mac, cmac, tags) / IP(src=SRV[0], dst=CLI[0])
                      / TCP(sport=port, dport=CLI[1], flags="A", seq=SISN + 1,
                            ack=(CISN + 1 + len(DATA)) & 0xFFFFFFFF), iface=iface)
                acked = True
    idle_t0 = time.time()
    time.sleep(hold)
    sn.stop()
    print(json.dumps({"role": "server", "handshake": acked, "idle_t0": idle_t0,
                      "rst": rsts(got, port),
                      "want": {"seq": (CISN + 1 + len(DATA)) & 0xFFFFFFFF,
                               "ack": SISN + 1}}))


def client(iface, tags, port, hold, dmac):
    mac = get_if_hwaddr(iface)
    sn, got = sniffer(iface, port)
    time.sleep(0.5)
    base = l2(mac, dmac, tags) / IP(src=CLI[0], dst=SRV[0])
    sendp(base / TCP(sport=CLI[1], dport=port, flags="S", seq=CISN), iface=iface)
    t_end, synack = time.time() + 10, False
    while time.time() < t_end and not synack:
        time.sleep(0.02)
        synack = any(TCP in p and p[TCP].flags & 0x12 == 0x12 for p in list(got))
    sendp(base / TCP(sport=CLI[1], dport=port, flags="PA", seq=CISN + 1, ack=SISN + 1) / DATA,
          iface=iface)
    t_end, acked = time.time() + 10, False
    while time.time() < t_end and not acked:
        time.sleep(0.02)
        acked = any(TCP in p and p[TCP].sport == port and p[TCP].flags == "A"
                    for p in list(got))
    idle_t0 = time.time()
    time.sleep(hold)
    sn.stop()
    print(json.dumps({"role": "client", "handshake": synack and acked, "idle_t0": idle_t0,
                      "rst": rsts(got, CLI[1]),
                      "want": {"seq": SISN + 1, "ack": (CISN + 1 + len(DATA)) & 0xFFFFFFFF}}))


if __name__ == "__main__":
    role, iface, tags, port, hold = sys.argv[1:6]
    if role == "server":
        server(iface, tags, int(port), float(hold), sys.argv[6])
    else:
        client(iface, tags, int(port), float(hold), sys.argv[6])
