#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Many parallel real TCP connections that go idle, and what each end of each sees.

The client opens N connections at once (one thread each). On each, the client sends XFER
bytes, the server reads them and sends XFER bytes back, the client reads them and sends a
short "done", the server reads it: data has gone both ways and the last packet of the
exchange is the client's ACK of nothing more. Both ends then idle, blocked in recv(), until
something happens or HOLD seconds pass.

Each end prints one JSON object: {"conns": [{"port": client port, "event": "reset" | "eof"
| "timeout" | "error" | "data", "after": seconds between going idle and the event,
"idle_at": wall clock when it went idle}, ...], "errors": [...]} with one entry per
connection, sorted by client port, so the two ends' lists pair up.

  many_conns.py server ADDR PORT N XFER HOLD
  many_conns.py client ADDR PORT N XFER HOLD
"""
import errno
import json
import socket
import sys
import threading
import time


def recv_exact(s, n):
    got = 0
    while got < n:
        b = s.recv(min(1 << 16, n - got))
        if not b:
            raise ConnectionError("eof during the exchange")
        got += len(b)


def send_pattern(s, n):
    chunk = bytes(range(256)) * 64
    left = n
    while left > 0:
        k = min(left, len(chunk))
        s.sendall(chunk[:k])
        left -= k


def wait_idle(s, hold):
    """Idle until the connection dies or HOLD passes: (event, after, idle_at)."""
    t0 = time.time()
    s.settimeout(hold)
    try:
        b = s.recv(4096)
    except socket.timeout:
        return "timeout", time.time() - t0, t0
    except OSError as e:
        return ("reset" if e.errno == errno.ECONNRESET else "error"), time.time() - t0, t0
    return ("eof" if not b else "data"), time.time() - t0, t0


def serve_one(c, xfer, hold, out, lock):
    port = c.getpeername()[1]
    try:
        recv_exact(c, xfer)
        send_pattern(c, xfer)
        recv_exact(c, 4)
        ev, after, t0 = wait_idle(c, hold)
        r = dict(port=port, event=ev, after=round(after, 3), idle_at=t0)
    except OSError as e:
        r = dict(port=port, event="error", error=str(e))
    finally:
        c.close()
    with lock:
        out.append(r)


def client_one(addr, port, xfer, hold, out, lock, errors):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect((addr, port))
        me = s.getsockname()[1]
    except OSError as e:
        with lock:
            errors.append("connect: %s" % e)
        s.close()
        return
    try:
        send_pattern(s, xfer)
        recv_exact(s, xfer)
        s.sendall(b"done")
        ev, after, t0 = wait_idle(s, hold)
        r = dict(port=me, event=ev, after=round(after, 3), idle_at=t0)
    except OSError as e:
        r = dict(port=me, event="error", error=str(e))
    finally:
        s.close()
    with lock:
        out.append(r)


def main():
    if len(sys.argv) != 7 or sys.argv[1] not in ("server", "client"):
        sys.exit(__doc__)
    role, addr = sys.argv[1], sys.argv[2]
    port, n, xfer = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    hold = float(sys.argv[6])
    out, errors, lock, threads = [], [], threading.Lock(), []
    if role == "server":
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(n)
        ls.settimeout(15)
        print("listening", flush=True)
        try:
            for _ in range(n):
                c, _ = ls.accept()
                t = threading.Thread(target=serve_one, args=(c, xfer, hold, out, lock))
                t.start()
                threads.append(t)
        except socket.timeout:
            errors.append("accepted %d of %d connections" % (len(threads), n))
        ls.close()
    else:
        for _ in range(n):
            t = threading.Thread(target=client_one,
                                 args=(addr, port, xfer, hold, out, lock, errors))
            t.start()
            threads.append(t)
    for t in threads:
        t.join()
    out.sort(key=lambda r: r["port"])
    print(json.dumps(dict(conns=out, errors=errors)), flush=True)


if __name__ == "__main__":
    main()
