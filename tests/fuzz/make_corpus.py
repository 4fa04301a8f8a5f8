#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets (tests/fuzz/corpus/{packet,scenario}/).

    /usr/bin/python3 tests/fuzz/make_corpus.py

packet/: frames built with scapy. Valid ones of every kind the parser knows, each followed
by a script (fuzz_packet.c's header describes it) that derives more frames from it so that
the seeds already walk the flow table and the TCP tracker; malformed and truncated ones.
scenario/: three presets from configs/ without their comment lines, and small valid and
invalid snippets. Both directories are replaced; the output is deterministic.
"""
import os
import shutil
import struct

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NS, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import Raw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# fuzz_packet.c's script format.
OPT_ADOPT = 1 << 0
OPT_LOOSE_CLOSE = 1 << 1
REV = 1 << 0  # step byte 0: from the other endpoint
KEEP = 1 << 3  # step byte 0: resend frame 0's TCP header

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

C4, S4 = "198.18.0.1", "198.18.1.1"
C6, S6 = "2001:db8::1", "2001:db8:1::1"
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"


def opts(adopt=False, loose=False, pair=0, start=0):
    return bytes([(OPT_ADOPT if adopt else 0) | (OPT_LOOSE_CLOSE if loose else 0) |
                  (pair << 2) | (start << 4)])


def step(flags, rev=False, pair=0, keep=False, seq=0, ack=0, adv=0):
    b0 = (REV if rev else 0) | (pair << 1) | (KEEP if keep else 0)
    return struct.pack(">BBIIB", b0, flags, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, adv)


def eth(rev=False):
    return Ether(src=MAC_S, dst=MAC_C) if rev else Ether(src=MAC_C, dst=MAC_S)


def tcp4(flags, payload=b"", **kw):
    return eth() / IP(src=C4, dst=S4) / TCP(sport=40000, dport=80, flags=flags, seq=1000,
                                             ack=kw.pop("ack", 0), **kw) / payload


def tcp6(flags, payload=b"", ext=None):
    ip = IPv6(src=C6, dst=S6)
    if ext is not None:
        ip = ip / ext
    return eth() / ip / TCP(sport=40001, dport=443, flags=flags, seq=7) / payload


def handshake(pair=0):
    """SYN-ACK back, ACK, data, FIN from each side: the whole life of a connection."""
    return (step(SYN | ACK, rev=True, pair=pair, adv=1) + step(ACK, pair=pair, adv=2) +
            step(FIN | ACK, rev=True, pair=pair, ack=1, adv=130))


def packet_corpus():
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]
    frames = {
        # TCP over IPv4: a whole connection, then the variants that tracker paths need.
        "tcp4_syn_handshake": bytes(tcp4("S", options=syn_opts)) + opts() + handshake(),
        "tcp4_syn_expire": bytes(tcp4("S")) + opts(start=9) +
        step(SYN | ACK, rev=True, adv=200) + step(ACK, adv=255),
        "tcp4_synack_adopt": bytes(tcp4("SA", ack=5)) + opts(adopt=True) +
        step(ACK, rev=True) + step(RST, seq=1, adv=3),
        "tcp4_ack_data_adopt": bytes(tcp4("PA", b"GET / HTTP/1.1\r\n\r\n", ack=9)) +
        opts(adopt=True, start=14) + step(ACK, rev=True, adv=100) +
        step(FIN | ACK, adv=160) + step(FIN | ACK, rev=True, adv=1),
        "tcp4_fin_loose_close": bytes(tcp4("FA", ack=3)) + opts(adopt=True, loose=True) +
        step(FIN | ACK, rev=True),
        "tcp4_port_reuse": bytes(tcp4("S")) + opts(start=7) + step(SYN | ACK, rev=True) +
        step(ACK) + step(SYN, keep=True, adv=5),
        "tcp4_table_full": bytes(tcp4("S")) + opts(pair=0) + step(SYN, keep=True, pair=1) +
        step(SYN, keep=True, pair=2) + step(SYN, keep=True, pair=3),
        "tcp4_ip_options": bytes(eth() / IP(src=C4, dst=S4, options=b"\x94\x04\x00\x00") /
                                 TCP(sport=1, dport=443, flags="S")) + opts() + handshake(),
        "tcp4_first_fragment": bytes(eth() / IP(src=C4, dst=S4, flags="MF") /
                                     TCP(sport=2, dport=3, flags="S")),
        # IPv6 with extension headers.
        "tcp6_syn_ext_headers": bytes(tcp6("S", ext=IPv6ExtHdrHopByHop() /
                                           IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting() /
                                           IPv6ExtHdrFragment(offset=0, m=0))) + opts() +
        handshake(),
        "tcp6_syn": bytes(tcp6("S")) + opts(start=15) + handshake(pair=1),
        "ipv6_fragment_nonfirst": bytes(eth() / IPv6(src=C6, dst=S6) /
                                        IPv6ExtHdrFragment(offset=10, nh=6) / Raw(b"x" * 16)),
        # VLANs.
        "dot1q_tcp4_syn": bytes(Ether(src=MAC_C, dst=MAC_S) / Dot1Q(vlan=300) /
                                IP(src=C4, dst=S4) / TCP(sport=5, dport=6, flags="S")) +
        opts() + handshake(),
        "qinq_tcp6_syn": bytes(Ether(src=MAC_C, dst=MAC_S, type=0x88A8) / Dot1AD(vlan=100) /
                               Dot1Q(vlan=4094) / IPv6(src=C6, dst=S6) /
                               TCP(sport=7, dport=8, flags="S")) + opts() + handshake(),
        "three_vlans": bytes(Ether(src=MAC_C, dst=MAC_S, type=0x88A8) / Dot1AD(vlan=1) /
                             Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=C4, dst=S4) / UDP()),
        # UDP, ICMP, other protocols.
        "udp4_stream": bytes(eth() / IP(src=C4, dst=S4) / UDP(sport=5353, dport=53) /
                             b"query") + opts() + step(0, rev=True, adv=100) + step(0, adv=200),
        "udp6": bytes(eth() / IPv6(src=C6, dst=S6) / UDP(sport=1, dport=2)) + opts(pair=2) +
        step(0, rev=True),
        "icmp4_echo": bytes(eth() / IP(src=C4, dst=S4) / ICMP(type=8, id=77) / b"ping") +
        opts() + step(0, rev=True, adv=150),
        "icmp6_echo": bytes(eth() / IPv6(src=C6, dst=S6) / ICMPv6EchoRequest(id=78)) + opts() +
        step(0, rev=True),
        "icmp6_nd_ns": bytes(eth() / IPv6(src=C6, dst="ff02::1:ff00:1") /
                             ICMPv6ND_NS(tgt=S6)),
        "gre4": bytes(eth() / IP(src="10.1.1.1", dst=S4, proto=47) / b"\x00\x00\x08\x00") +
        opts() + step(0, rev=True, adv=129),
        "arp": bytes(Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=C4, pdst=S4)),
        # Malformed.
        "tcp4_bad_offset": bytes(tcp4("S", dataofs=15)),
        "tcp4_syn_fin": bytes(tcp4("SF")),
        "udp4_bad_length": bytes(eth() / IP(src=C4, dst=S4) / UDP(len=4000)),
        "ipv4_bad_total_length": bytes(eth() / IP(src=C4, dst=S4, len=9000) / TCP()),
    }
    # Truncated: the same frames cut inside each header.
    syn4 = bytes(tcp4("S"))
    syn6 = bytes(tcp6("S", ext=IPv6ExtHdrHopByHop()))
    for cut in (10, 16, 30, 45):
        frames[f"tcp4_truncated_{cut}"] = syn4[:cut]
    for cut in (40, 60, 80):
        frames[f"tcp6_truncated_{cut}"] = syn6[:cut]
    return frames


def strip_comments(text):
    return "".join(line for line in text.splitlines(keepends=True)
                   if line.strip() and not line.lstrip().startswith("#"))


HDR = "name: t\nports: [{inside: {tap: a}, outside: {tap: b}}]\n"

SNIPPETS = {
    "minimal.yaml": HDR,
    "pairs_vdev_pci.yaml": """name: two-pairs
ports:
  - {name: a, inside: {port: 0}, outside: {vdev: "net_ring0"}}
  - {name: b, inside: {pci: "0000:03:00.0", vlan: 301}, outside: {tap: x, vlan: 301}}
flow_table: {capacity: 64, when_full: drop}
""",
    "rules_timeline.yaml": HDR + """profiles:
  p: {tcp: {established: 1.5s}, udp: 2m, icmp: 250ms, other: indefinite}
  q: &q {tcp: {time_wait: immediate}, on_timeout: reset-server, loose_close: true}
rules:
  - {match: {vlan: [1, "2-4094"], pair: 0, side: outside}, profile: p}
  - {match: {proto: 58, src: "2001:db8::/32", dst: "2001:db8:1::/48"}, profile: q}
  - {match: {src_port: 1-2, dst_port: 65535}, profile: untracked}
default_profile: p
timeline:
  - {at: 90s, flush: p}
  - {at: 1h, set: {profile: q, tcp.established: 30s, stray_tcp: adopt, malformed: drop}}
  - {at: 0, flush: all}
""",
    "many_devices.yaml": HDR + """profiles:
  f5-fastl4: {tcp: {established: 300s}}
  f5-standard-tcp: {tcp: {established: 300s}, stray_tcp: reset}
  azure-lb-tcp-reset: {tcp: {established: 4m}}
  aws-nat-gateway: {tcp: {established: 350s}, on_timeout: silent}
  gcp-cloud-nat: {tcp: {established: 1200s}, udp: 30s}
  linux-conntrack: {tcp: {established: 432000s}, stray_tcp: adopt}
  cisco-asa: {tcp: {established: 1h, handshake: 30s}}
  paloalto: {tcp: {established: 3600s}}
  juniper-srx: {tcp: {established: 1800s}}
rules:
  - {match: {vlan: 100}, profile: f5-fastl4}
  - {match: {vlan: 101}, profile: aws-nat-gateway}
  - {match: {vlan: 102-199}, profile: juniper-srx}
default_profile: linux-conntrack
""",
    "anchors.yaml": HDR + """profiles:
  a: &base {tcp: {established: 5m}, stray_tcp: reset}
  b: *base
""",
    "added_keys.yaml": """name: added
steering: software
ports:
  - {inside: {pci: "03:00.0", devargs: "rxq_cqe_comp_en=0"}, outside: {pci: "03:00.1"}, mtu: 9000}
  - {inside: {tap: a}, outside: {tap: b}, mtu: 68}
flow_table: {capacity: 4096, when_full: early-drop, reaper: {high: 95%, low: 85}}
profiles:
  azure: {on_timeout: {established: reset-both, default: silent}, out_of_window: drop}
  asa: {on_timeout: {fin_wait: silent, closing: silent, syn_sent: reset-client}}
  nat: {stray_tcp: {inside: reset, outside: drop}, rst_payload: "Idle timeout (tcp)"}
timeline:
  - {at: 10s, set: {profile: azure, on_timeout: silent, stray_tcp: adopt, out_of_window: forward}}
""",
    "err_added_keys.yaml": HDR + """steering: rss
flow_table: {when_full: early_drop, reaper: {high: 85%, low: 95%}}
profiles: {p: {on_timeout: {establishd: silent}, rst_payload: "caf\xc3\xa9"}}
""",
    "err_duplicate_key.yaml": HDR + "name: again\n",
    "err_unknown_key.yaml": HDR + "profiles: {p: {tcp: {establised: 5s}}}\n",
    "err_duration.yaml": HDR + "profiles: {p: {icmp: -5s, other: 99999999999h}}\n",
    "err_unknown_profile.yaml": HDR + "default_profile: nope\n",
    "err_alias_bomb.yaml": HDR + """description:
  - &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
""",
    "err_two_documents.yaml": HDR + "---\n" + HDR,
    "err_tab.yaml": "name: t\nports:\n\t- x\n",
    "err_not_utf8.yaml": "name: \"\xff\xfe\"\n",
    "err_prefix.yaml": HDR + "rules: [{match: {src: 10.0.0.1/8}, profile: untracked}]\n",
}


def main():
    pkt_dir = os.path.join(HERE, "corpus", "packet")
    scn_dir = os.path.join(HERE, "corpus", "scenario")
    for d in (pkt_dir, scn_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for name, data in packet_corpus().items():
        with open(os.path.join(pkt_dir, name), "wb") as f:
            f.write(data)
    for preset in ("example.yaml", "f5-fastl4.yaml", "linux-conntrack.yaml"):
        with open(os.path.join(ROOT, "configs", preset)) as f:
            text = strip_comments(f.read())
        with open(os.path.join(scn_dir, "preset_" + preset), "w") as f:
            f.write(text)
    for name, text in SNIPPETS.items():
        with open(os.path.join(scn_dir, name), "wb") as f:
            f.write(text.encode("latin-1"))


if __name__ == "__main__":
    main()
