#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Frames for the jumbo e2e test (jumbo_test.sh), and the check of what idlecut wrote.

  jumbo_frames.py make IN.pcap EMPTY.pcap
  jumbo_frames.py check IN.pcap OUT-INSIDE.pcap OUT-OUTSIDE.pcap

IN.pcap: connection A (client 198.18.7.1:40001 -> 198.18.7.2:80): handshake, one 8960-byte
segment from the client (a 9014-byte frame: MTU 9000), the server's ACK, then nothing;
connection B (port 40002): handshake, then one 9500-byte segment (a frame past MTU 9000).
Expected: A's jumbo frame crosses whole; at the timeout A's RST to the server carries
seq = the client's ISN + 1 + 8960 (what the server acknowledged, counted across the mbuf
chain) and the RST to the client seq = the server's ISN + 1; B's big frame is dropped (not
in the output) and its connection is reset with the numbers before it.
"""
import sys

from scapy.all import Ether, IP, TCP, Raw, rdpcap, wrpcap

C, S = "198.18.7.1", "198.18.7.2"
CM, SM = "02:00:00:00:07:01", "02:00:00:00:07:02"
CISN, SISN = 1000, 5000


def seg(c, sport, flags, seq, ack, data=b""):
    if c:
        return Ether(src=CM, dst=SM) / IP(src=C, dst=S) / TCP(sport=sport, dport=80,
                                                              flags=flags, seq=seq, ack=ack,
                                                              window=65535) / Raw(data)
    return Ether(src=SM, dst=CM) / IP(src=S, dst=C) / TCP(sport=80, dport=sport, flags=flags,
                                                          seq=seq, ack=ack,
                                                          window=65535) / Raw(data)


def conn(sport, size):
    return [seg(1, sport, "S", CISN, 0), seg(0, sport, "SA", SISN, CISN + 1),
            seg(1, sport, "A", CISN + 1, SISN + 1),
            seg(1, sport, "PA", CISN + 1, SISN + 1, bytes(size)),
            seg(0, sport, "A", SISN + 1, CISN + 1 + size)]


def make(inp, empty):
    a = conn(40001, 8960)
    b = conn(40002, 9500)[:4]  # the server never sees B's big segment
    pk = a + b
    for i, p in enumerate(pk):
        p.time = 1000.0 + i * 0.001
    wrpcap(inp, pk)
    wrpcap(empty, [])


def check(inp, oin, oout):
    res = []

    def ok(c, what):
        res.append(("ok: " if c else "FAIL: ") + what)

    out_o = rdpcap(oout)
    out_i = rdpcap(oin)
    big = [p for p in out_o if TCP in p and len(p) >= 9000]
    ok(len(big) == 1 and len(big[0]) == 14 + 20 + 20 + 8960 and big[0][TCP].sport == 40001 and
       bytes(big[0][Raw].load) == bytes(8960),
       "the 9014-byte frame of A crossed whole (one frame, its 8960 bytes intact)")
    ok(not [p for p in out_o if TCP in p and p[TCP].sport == 40002 and len(p) > 9000],
       "B's 9554-byte frame (past MTU 9000) did not cross")
    rst_s = [p for p in out_o if TCP in p and p[TCP].flags & 0x04]
    rst_c = [p for p in out_i if TCP in p and p[TCP].flags & 0x04]
    a_s = [p for p in rst_s if p[TCP].dport == 80 and p[TCP].sport == 40001]
    a_c = [p for p in rst_c if p[TCP].dport == 40001]
    ok(len(a_s) == 1 and a_s[0][TCP].seq == CISN + 1 + 8960 and a_s[0][TCP].ack == SISN + 1,
       "A: the RST to the server: seq = client ISN + 1 + 8960, ack = server ISN + 1 (%s)" %
       [(p[TCP].seq, p[TCP].ack) for p in a_s])
    ok(len(a_c) == 1 and a_c[0][TCP].seq == SISN + 1 and a_c[0][TCP].ack == CISN + 1 + 8960,
       "A: the RST to the client: seq = server ISN + 1, ack = client ISN + 1 + 8960 (%s)" %
       [(p[TCP].seq, p[TCP].ack) for p in a_c])
    b_s = [p for p in rst_s if p[TCP].sport == 40002]
    ok(len(b_s) == 1 and b_s[0][TCP].seq == CISN + 1,
       "B: reset with the numbers before its dropped frame (seq = client ISN + 1) (%s)" %
       [(p[TCP].seq, p[TCP].ack) for p in b_s])
    print("\n".join(res))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4])
