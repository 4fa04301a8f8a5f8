#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A real Linux TCP connection, with frames crafted by scapy into its 5-tuple.

The client end is a Linux socket; in the same process a scapy sniffer on the client's
interface follows the connection's frames, so that crafted ones can use its real numbers:

  forged-rst     an RST 2^30 past the client's next sequence number (Linux ignores it);
                 then a ping that must be echoed, then idle until something happens
  syn-replay     a copy of the connection's own first SYN (same sequence number); then
                 SYN_IDLE seconds of idle, a ping that must be echoed, idle again
  rst-in-window  an RST at exactly the client's next sequence number (the server's
                 RCV.NXT: the server accepts it and is reset); the client stays idle
  bulk           the server sends BULK bytes, the client reads and checks them, both idle

Each end prints one JSON line: {"event": "reset"|"eof"|"timeout"|"data"|"error",
"after": seconds since that end's last data, ...}.

  tracking_conn.py server ADDR PORT MODE HOLD        MODE: echo | bulk:BYTES
  tracking_conn.py client IFACE ADDR PORT CASE HOLD [BYTES]
"""
import json
import socket
import sys
import threading
import time

SYN_IDLE = 2.0  # longer than the test's handshake timeout (1 s), shorter than established
CHUNK = bytes(range(256)) * 256


def report(**kw):
    print(json.dumps(kw), flush=True)


def wait_event(s, hold, t0):
    """Block until the peer does something or HOLD seconds pass; what it was."""
    s.settimeout(hold)
    try:
        b = s.recv(65536)
    except socket.timeout:
        return dict(event="timeout", after=time.time() - t0)
    except ConnectionResetError:
        return dict(event="reset", after=time.time() - t0)
    except OSError as e:
        return dict(event="error", errno=e.errno, after=time.time() - t0)
    return dict(event="data" if b else "eof", after=time.time() - t0)


def server(addr, port, mode, hold):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    c, _ = ls.accept()
    echoed = 0
    if mode.startswith("bulk:"):
        left = int(mode.split(":", 1)[1])
        while left > 0:
            k = min(left, len(CHUNK))
            c.sendall(CHUNK[:k])
            left -= k
    t0 = time.time()
    c.settimeout(hold)
    while True:
        try:
            b = c.recv(65536)
        except socket.timeout:
            report(role="server", event="timeout", after=time.time() - t0, echoed=echoed)
            return
        except ConnectionResetError:
            report(role="server", event="reset", after=time.time() - t0, echoed=echoed)
            return
        if not b:
            report(role="server", event="eof", after=time.time() - t0, echoed=echoed)
            return
        c.sendall(b)
        echoed += len(b)
        t0 = time.time()


def seg_end(p):
    from scapy.all import IP, TCP

    t = p[TCP]
    n = p[IP].len - 4 * p[IP].ihl - 4 * t.dataofs
    return (t.seq + n + (1 if t.flags & 0x03 else 0)) & 0xFFFFFFFF


def client(iface, addr, port, case, hold, nbytes):
    from scapy.all import AsyncSniffer, IP, TCP, Ether, conf, sendp

    conf.verb = 0
    got = []
    ready = threading.Event()
    # Filtered in the kernel (BPF): the Python side sees only this connection's frames (the
    # bulk case only its handshake), so a busy machine cannot overflow the capture buffer.
    bpf = "tcp port %d" % port
    if case == "bulk":
        bpf += " and tcp[tcpflags] & tcp-syn != 0"
    sn = AsyncSniffer(iface=iface, store=False, prn=got.append, filter=bpf,
                      lfilter=lambda p: TCP in p, started_callback=ready.set)
    sn.start()
    if not ready.wait(10):
        raise SystemExit("the capture did not start")
    time.sleep(0.2)
    s = socket.create_connection((addr, port), timeout=10)
    lport = s.getsockname()[1]
    out = dict(role="client", case=case)
    if case == "bulk":
        got_n, ok = 0, True
        s.settimeout(20)
        while got_n < nbytes:
            b = s.recv(1 << 16)
            if not b:
                break
            off = got_n % 256
            want = (CHUNK[off:] + CHUNK)[: len(b)] if len(b) <= len(CHUNK) else None
            ok = ok and want is not None and b == want
            got_n += len(b)
        out.update(received=got_n, intact=ok)
        t0 = time.time()
    else:
        s.sendall(b"a" * 20000)
        s.settimeout(5)
        n = 0
        while n < 20000:
            n += len(s.recv(65536))
        time.sleep(0.5)  # quiet: the last frame each way is an ACK
        mine = [p for p in got if IP in p and p[TCP].sport == lport and p[IP].dst == addr]
        syn = next((p for p in mine if p[TCP].flags & 0x12 == 0x02), None)
        if syn is None:
            raise SystemExit("the client's SYN was not captured")
        nxt = max((seg_end(p) for p in mine),
                  key=lambda v: (v - syn[TCP].seq) & 0xFFFFFFFF)
        if nxt != (syn[TCP].seq + 1 + 20000) & 0xFFFFFFFF:
            raise SystemExit("the capture missed some of the client's frames")
        last = mine[-1]
        l2 = Ether(src=last[Ether].src, dst=last[Ether].dst)
        ip = IP(src=last[IP].src, dst=addr)
        out.update(isn=syn[TCP].seq, snd_nxt=nxt)
        if case == "forged-rst":
            sendp(l2 / ip / TCP(sport=lport, dport=port, flags="R",
                                seq=(nxt + (1 << 30)) & 0xFFFFFFFF), iface=iface)
        elif case == "syn-replay":
            # The captured frame may carry an offloaded (partial) checksum: recompute.
            copy = Ether(bytes(syn))
            del copy[IP].chksum
            del copy[TCP].chksum
            sendp(copy, iface=iface)
        elif case == "rst-in-window":
            sendp(l2 / ip / TCP(sport=lport, dport=port, flags="R", seq=nxt), iface=iface)
        time.sleep(0.2)
        if case == "syn-replay":
            time.sleep(SYN_IDLE)
        if case in ("forged-rst", "syn-replay"):
            try:
                s.sendall(b"ping")
                s.settimeout(1.5)
                out["echo"] = s.recv(100) == b"ping"
            except OSError as e:
                out.update(echo=False, echo_error=str(e))
        t0 = time.time()
    out.update(wait_event(s, hold, t0))
    sn.stop()
    # The window scale options of the handshake, as seen on the wire.
    for name, fl in (("wscale_syn", 0x02), ("wscale_synack", 0x12)):
        p = next((p for p in got if p[TCP].flags & 0x12 == fl), None)
        out[name] = dict(p[TCP].options).get("WScale") if p is not None else None
    report(**out)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    else:
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6]),
               int(sys.argv[7]) if len(sys.argv) > 7 else 0)
