#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send crafted tagged frames on one interface and check they arrive unchanged on another.

This kernel cannot make VLAN interfaces, so 802.1Q and QinQ traffic is crafted with scapy
and sent on AF_PACKET. Usage (run in two namespaces):

  vlan_frames.py recv IFACE COUNT OUTFILE   capture COUNT marked frames, write their hex
  vlan_frames.py send IFACE DSTMAC          send the reference frames, print their hex
"""
import sys
import time

from scapy.all import AsyncSniffer, Dot1AD, Dot1Q, Ether, IP, IPv6, Raw, TCP, UDP, ARP, sendp, conf

conf.verb = 0
MARK = b"idlecut-vlan-e2e"


def frames(dst):
    src = "02:00:00:00:00:01"
    return [
        Ether(src=src, dst=dst) / Dot1Q(vlan=300) / IP(src="198.18.0.1", dst="198.18.0.2")
        / UDP(sport=4000, dport=5000) / Raw(MARK + b"-q1"),
        Ether(src=src, dst=dst, type=0x88A8) / Dot1AD(vlan=100) / Dot1Q(vlan=300)
        / IP(src="198.18.0.1", dst="198.18.0.2") / TCP(sport=4001, dport=80, flags="S")
        / Raw(MARK + b"-qinq"),
        Ether(src=src, dst=dst) / Dot1Q(vlan=301, prio=5)
        / IPv6(src="2001:db8:0::1", dst="2001:db8:0::2") / UDP(sport=4002, dport=5000)
        / Raw(MARK + b"-v6"),
        Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=300)
        / ARP(psrc="198.18.0.1", pdst="198.18.0.2") / Raw(MARK + b"-arp"),
    ]


def main():
    mode, iface = sys.argv[1], sys.argv[2]
    if mode == "send":
        pk = frames(sys.argv[3])
        for p in pk:
            sendp(p, iface=iface)
            time.sleep(0.05)
        for p in pk:
            print(bytes(p).hex())
        return
    count, out = int(sys.argv[3]), sys.argv[4]
    sn = AsyncSniffer(iface=iface, lfilter=lambda p: MARK in bytes(p), count=count)
    sn.start()
    print("ready", flush=True)
    sn.join(timeout=20)
    got = sn.results or []
    with open(out, "w") as f:
        for p in got:
            f.write(bytes(p).hex() + "\n")


if __name__ == "__main__":
    main()
