#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Captures for the net_pcap test: craft the input, check what idlecut wrote.

  pcap_frames.py make IN.pcap EMPTY.pcap
      IN.pcap: two TCP connections (IPv4 and IPv6) as a tap on the client side of the wire
      sees them: handshake, data both ways, the last ACK, then nothing. EMPTY.pcap: a pcap
      file with no packets.
  pcap_frames.py check IN.pcap OUT_INSIDE.pcap OUT_OUTSIDE.pcap TIMEOUT
      OUT_OUTSIDE.pcap must hold every input frame, unchanged and in order, then one RST per
      connection to its server; OUT_INSIDE.pcap one RST per connection to its client and
      nothing else. Each RST: the other end's MACs, addresses and ports, seq = the receiver's
      RCV.NXT (what it last acknowledged), ack = its next sequence number, valid checksums,
      sent TIMEOUT seconds (+0.6/-0.2) after the connection's last frame left idlecut.
      Prints one line per check; exits 1 if any fails.
"""
import sys

from scapy.all import IP, IPv6, TCP, Ether, Raw, rdpcap, wrpcap

CLIENT_MAC, SERVER_MAC = "02:00:5e:00:00:01", "02:00:5e:00:00:02"
# (family, client address, server address, client port, server port, client ISN, server ISN)
CONNS = [
    (4, "198.18.0.1", "198.18.0.2", 40001, 7001, 1000, 0xFFFFFF00),  # server seq wraps
    (6, "2001:db8::1", "2001:db8::2", 40002, 7002, 0x7FFFFFF0, 5000),
]
C2S, S2C = 100, 50  # payload bytes each way


def seg(conn, from_client, flags, seq, ack, data=b""):
    fam, ca, sa, cp, sp = conn[:5]
    src, dst = (ca, sa) if from_client else (sa, ca)
    macs = (CLIENT_MAC, SERVER_MAC) if from_client else (SERVER_MAC, CLIENT_MAC)
    l3 = IP(src=src, dst=dst) if fam == 4 else IPv6(src=src, dst=dst)
    sport, dport = (cp, sp) if from_client else (sp, cp)
    p = Ether(src=macs[0], dst=macs[1]) / l3 / TCP(sport=sport, dport=dport, flags=flags,
                                                  seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                                                  window=64000)
    return p / Raw(data) if data else p


def conversation(conn):
    ci, si = conn[5], conn[6]
    return [
        seg(conn, True, "S", ci, 0),
        seg(conn, False, "SA", si, ci + 1),
        seg(conn, True, "A", ci + 1, si + 1),
        seg(conn, True, "PA", ci + 1, si + 1, b"c" * C2S),
        seg(conn, False, "A", si + 1, ci + 1 + C2S),
        seg(conn, False, "PA", si + 1, ci + 1 + C2S, b"s" * S2C),
        seg(conn, True, "A", ci + 1 + C2S, si + 1 + S2C),
    ]


def expected_rsts(conn):
    """(to_client, to_server) as (seq, ack) pairs."""
    ci, si = conn[5], conn[6]
    c_next, s_next = (ci + 1 + C2S) & 0xFFFFFFFF, (si + 1 + S2C) & 0xFFFFFFFF
    # The client last acknowledged s_next and sends c_next next; the other way round for
    # the server.
    return (s_next, c_next), (c_next, s_next)


def make(in_path, empty_path):
    convs = [conversation(c) for c in CONNS]
    frames = [p for pair in zip(*convs) for p in pair]  # interleaved, in capture order
    wrpcap(in_path, frames, linktype=1)
    wrpcap(empty_path, [], linktype=1)


FAILS = 0


def check(what, cond):
    global FAILS
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILS += 1


def checksums_ok(p):
    """Recompute the IP and TCP checksums independently of what idlecut wrote."""
    q = Ether(bytes(p))
    if IP in q:
        ip_ck, tcp_ck = q[IP].chksum, q[TCP].chksum
        del q[IP].chksum
        del q[TCP].chksum
        r = Ether(bytes(q))
        return r[IP].chksum == ip_ck and r[TCP].chksum == tcp_ck
    tcp_ck = q[TCP].chksum
    del q[TCP].chksum
    return Ether(bytes(q))[TCP].chksum == tcp_ck


def l3(p):
    return p[IP] if IP in p else p[IPv6]


def is_conn(p, conn):
    return TCP in p and {p[TCP].sport, p[TCP].dport} == {conn[3], conn[4]}


def check_rst(p, conn, to_client, want, last_ts, timeout):
    fam, ca, sa, cp, sp = conn[:5]
    who = "IPv%d RST to the %s" % (fam, "client" if to_client else "server")
    src, dst = (sa, ca) if to_client else (ca, sa)
    sport, dport = (sp, cp) if to_client else (cp, sp)
    smac, dmac = (SERVER_MAC, CLIENT_MAC) if to_client else (CLIENT_MAC, SERVER_MAC)
    t = p[TCP]
    check(who + ": from the other end (MACs, addresses, ports)",
          p[Ether].src == smac and p[Ether].dst == dmac and l3(p).src == src
          and l3(p).dst == dst and t.sport == sport and t.dport == dport)
    check(who + ": flags RST+ACK (got %s)" % t.flags, str(t.flags) == "RA")
    check(who + ": seq %u ack %u (want %u %u)" % (t.seq, t.ack, want[0], want[1]),
          (t.seq, t.ack) == want)
    check(who + ": IP and TCP checksums valid", checksums_ok(p))
    late = float(p.time) - last_ts
    check(who + ": sent %.3f s after the connection's last frame (timeout %g s)"
          % (late, timeout), timeout - 0.2 <= late <= timeout + 0.6)


def check_outputs(in_path, out_in_path, out_out_path, timeout):
    frames = rdpcap(in_path)
    out_in, out_out = rdpcap(out_in_path), rdpcap(out_out_path)
    n = len(frames)
    check("outside output starts with the %d input frames, byte for byte, in order" % n,
          len(out_out) >= n and all(bytes(a) == bytes(b) for a, b in zip(frames, out_out)))
    rst_out, rst_in = list(out_out[n:]), list(out_in)
    check("outside output: one frame per connection after them (got %d)" % len(rst_out),
          len(rst_out) == len(CONNS))
    check("inside output: one frame per connection, nothing else (got %d)" % len(rst_in),
          len(rst_in) == len(CONNS))
    for conn in CONNS:
        last_ts = max(float(p.time) for p in out_out[:n] if is_conn(p, conn))
        want_c, want_s = expected_rsts(conn)
        for got, to_client, want in ((rst_in, True, want_c), (rst_out, False, want_s)):
            mine = [p for p in got if is_conn(p, conn)]
            check("IPv%d: exactly one frame to the %s" % (conn[0], "client" if to_client
                                                          else "server"), len(mine) == 1)
            if mine:
                check_rst(mine[0], conn, to_client, want, last_ts, timeout)
    return FAILS == 0


def main():
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
        return 0
    if sys.argv[1] == "check":
        return 0 if check_outputs(sys.argv[2], sys.argv[3], sys.argv[4],
                                  float(sys.argv[5])) else 1
    print("usage: see the docstring", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
