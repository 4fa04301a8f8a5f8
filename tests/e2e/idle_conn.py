#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""One real TCP connection that goes idle, and what each end sees afterwards.

Both ends first exchange XFER bytes each way (so sequence numbers have moved well past the
ISNs), then go idle. What follows is the end's ACTION:

  wait          block in recv() until something happens or HOLD seconds pass
  send-after:S  stay idle S seconds, then send a few bytes and wait for the echo

Each end prints one JSON line: {"event": "reset"|"eof"|"echo"|"timeout"|"data"|"error",
"after": seconds since the end went idle, ...}. The server echoes whatever arrives after
the idle period, so "send-after" on the client sees "echo" if the connection survived.

  idle_conn.py server ADDR PORT XFER ACTION HOLD
  idle_conn.py client ADDR PORT XFER ACTION HOLD [USER_TIMEOUT_MS]
"""
import errno
import json
import socket
import sys
import time

TCP_USER_TIMEOUT = 18


def report(**kw):
    print(json.dumps(kw), flush=True)


def recv_exact(s, n):
    got = 0
    while got < n:
        b = s.recv(min(1 << 16, n - got))
        if not b:
            raise ConnectionError("eof during transfer")
        got += len(b)


def send_pattern(s, n):
    chunk = bytes(range(256)) * 256
    left = n
    while left > 0:
        k = min(left, len(chunk))
        s.sendall(chunk[:k])
        left -= k


def after_idle(s, action, hold, idle_t0, echo):
    """What happens once idle; returns a report dict."""
    if action.startswith("send-after:"):
        time.sleep(float(action.split(":", 1)[1]))
        try:
            s.sendall(b"after-idle")
        except OSError as e:
            return dict(event="reset" if e.errno == errno.ECONNRESET else "error",
                        errno=e.errno, after=time.time() - idle_t0, stage="send")
    s.settimeout(max(0.1, hold - (time.time() - idle_t0)))
    try:
        b = s.recv(4096)
    except socket.timeout as e:
        # Python maps both a socket timeout and ETIMEDOUT (TCP_USER_TIMEOUT) to TimeoutError.
        ev = "user-timeout" if e.errno == errno.ETIMEDOUT else "timeout"
        return dict(event=ev, after=time.time() - idle_t0)
    except OSError as e:
        ev = {errno.ECONNRESET: "reset", errno.ETIMEDOUT: "user-timeout"}.get(e.errno, "error")
        return dict(event=ev, errno=e.errno, after=time.time() - idle_t0)
    if not b:
        return dict(event="eof", after=time.time() - idle_t0)
    if echo:
        try:
            s.sendall(b)
        except OSError:
            pass
        # Keep the connection open a little so the echo is not followed by a reset.
        time.sleep(0.5)
        return dict(event="data", after=time.time() - idle_t0, data=b.decode(errors="replace"))
    return dict(event="echo", after=time.time() - idle_t0, data=b.decode(errors="replace"))


def main():
    role, addr, port, xfer, action, hold = sys.argv[1:7]
    port, xfer, hold = int(port), int(xfer), float(hold)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    if role == "server":
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(1)
        ls.settimeout(30)
        print("listening", flush=True)
        s, _ = ls.accept()
        s.settimeout(30)
        recv_exact(s, xfer)
        send_pattern(s, xfer)
        recv_exact(s, 1)  # the client's "done": the last data of the exchange
        idle_t0 = time.time()
        report(role="server", **after_idle(s, action, hold, idle_t0, echo=True))
    else:
        s = socket.socket(fam, socket.SOCK_STREAM)
        if len(sys.argv) > 7:
            s.setsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, int(sys.argv[7]))
        s.settimeout(30)
        s.connect((addr, port))
        send_pattern(s, xfer)
        recv_exact(s, xfer)
        s.sendall(b"!")
        idle_t0 = time.time()
        report(role="client", **after_idle(s, action, hold, idle_t0, echo=False))
    s.close()


if __name__ == "__main__":
    main()
