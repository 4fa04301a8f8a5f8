#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A TCP connection across an access/trunk pair: a real Linux client on the untagged side,
a scapy server on the tagged side, and the RSTs idlecut sends at the timeout.

This kernel has no 802.1Q support, so the tagged end cannot be a Linux socket: the server is
scapy on AF_PACKET (the kernel moves a received frame's outer tag into PACKET_AUXDATA, and
scapy's sniffer puts it back). The server records the tags of every frame the client sent,
answers the handshake, ACKs the client's data and sends data back, then captures for HOLD
seconds and reports every RST it got, with its tags and numbers, and the numbers an
RFC 5961 stack requires. The client is a real socket: it sends, reads the answer, goes idle
and reports whether recv() failed with ECONNRESET and when.

  trunk_tcp.py server IFACE VLAN PORT HOLD READYFILE
  trunk_tcp.py client ADDR PORT HOLD
Each prints one JSON line.
"""
import errno
import json
import socket
import sys
import time

CLIENT_DATA = b"c" * 120
SERVER_DATA = b"s" * 70
SISN = 0x7FFFFFF0


def tag_list(p):
    from scapy.all import Dot1AD, Dot1Q

    out, layer = [], p.payload
    while isinstance(layer, (Dot1Q, Dot1AD)):
        out.append({"tpid": 0x88A8 if isinstance(layer, Dot1AD) else 0x8100, "vlan": layer.vlan})
        layer = layer.payload
    return out


def server(iface, vlan, port, hold, ready):
    from scapy.all import AsyncSniffer, Dot1Q, Ether, IP, TCP, Raw, conf, get_if_hwaddr, sendp

    conf.verb = 0
    mac = get_if_hwaddr(iface)
    got = []
    sn = AsyncSniffer(iface=iface, prn=got.append, store=False,
                      lfilter=lambda p: TCP in p and p[TCP].dport == port)
    sn.start()
    time.sleep(0.5)
    open(ready, "w").close()

    def send(cmac, cip, cport, flags, seq, ack, data=b""):
        p = (Ether(src=mac, dst=cmac) / Dot1Q(vlan=vlan) / IP(src=ip, dst=cip)
             / TCP(sport=port, dport=cport, flags=flags, seq=seq, ack=ack, window=65535))
        sendp(p / Raw(data) if data else p, iface=iface)

    t_end, seen, peer = time.time() + 20, 0, None
    ip = None
    c_nxt = None  # the client's next sequence number (the server's RCV.NXT)
    s_nxt = SISN + 1
    answered = done = False
    while time.time() < t_end and not done:
        time.sleep(0.01)
        while seen < len(got):
            p = got[seen]
            seen += 1
            f = int(p[TCP].flags)
            if f & 0x02 and not answered:  # the client's SYN
                peer = (p[Ether].src, p[IP].src, p[TCP].sport)
                ip = p[IP].dst
                c_nxt = (p[TCP].seq + 1) & 0xFFFFFFFF
                send(*peer, "SA", SISN, c_nxt)
                answered = True
            elif answered and Raw in p and p[TCP].seq == c_nxt:
                c_nxt = (c_nxt + len(p[Raw].load)) & 0xFFFFFFFF
                send(*peer, "PA", s_nxt, c_nxt, SERVER_DATA)
                s_nxt = (s_nxt + len(SERVER_DATA)) & 0xFFFFFFFF
            elif answered and not f & 0x04 and p[TCP].ack == s_nxt and s_nxt != SISN + 1:
                done = True  # the client acknowledged our data: the connection goes idle
    idle_t0 = time.time()
    time.sleep(hold)
    sn.stop()
    from_client = [p for p in got if not p[TCP].flags & 0x04]
    rsts = [{"seq": p[TCP].seq, "ack": p[TCP].ack, "flags": str(p[TCP].flags),
             "tags": tag_list(p), "t": float(p.time)} for p in got if p[TCP].flags & 0x04]
    print(json.dumps({"role": "server", "handshake": done, "idle_t0": idle_t0,
                      "client_frames": len(from_client),
                      "client_tags": [tag_list(p) for p in from_client],
                      "rst": rsts, "want": {"seq": c_nxt, "ack": s_nxt}}))


def client(addr, port, hold):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    res = {"role": "client"}
    try:
        s.connect((addr, port))
        s.sendall(CLIENT_DATA)
        got = b""
        while len(got) < len(SERVER_DATA):
            b = s.recv(4096)
            if not b:
                break
            got += b
        res["handshake"] = got == SERVER_DATA
    except OSError as e:
        res.update(handshake=False, event="error", error=str(e))
        print(json.dumps(res), flush=True)
        return
    idle_t0 = time.time()
    s.settimeout(hold)
    try:
        b = s.recv(4096)
        res["event"] = "eof" if not b else "data"
    except socket.timeout:
        res["event"] = "timeout"
    except OSError as e:
        res["event"] = "reset" if e.errno == errno.ECONNRESET else "error"
        res["errno"] = e.errno
    res["after"] = time.time() - idle_t0
    print(json.dumps(res), flush=True)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
