#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A real TCP connection that sends data in flight at the worst moment, and what each end
sees. Used by candidates_test.sh: between READY and GO the test installs an nft rule in the
server's namespace (dropping the server's ACKs, or the client's data before the server).

  candidates_conn.py server ADDR PORT HOLD
  candidates_conn.py client ADDR PORT HOLD READYFILE GOFILE

Both first exchange a little data each way. Then the client creates READYFILE, waits for
GOFILE, sends DATA once (its kernel retransmits it while unacknowledged) and blocks in
recv(). The server reads until recv() fails or HOLD seconds pass. Each prints one JSON line:
{"role", "event": "reset"|"eof"|"timeout"|"error", "after": seconds since the late data was
sent (client) or since the exchange ended (server), "late_bytes": bytes of DATA the server
received}.
"""
import errno
import json
import os
import socket
import sys
import time

HELLO = b"h" * 200
REPLY = b"r" * 300
DATA = b"late-data-" * 10


def wait_recv(s, hold, t0, res, count=None):
    s.settimeout(hold)
    try:
        while True:
            b = s.recv(4096)
            if not b:
                res["event"] = "eof"
                break
            if count is not None:
                res[count] = res.get(count, 0) + len(b)
    except socket.timeout:
        res["event"] = "timeout"
    except OSError as e:
        res["event"] = "reset" if e.errno == errno.ECONNRESET else "error"
        res["errno"] = e.errno
    res["after"] = time.time() - t0


def server(addr, port, hold):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(30)
    print("listening", flush=True)
    s, _ = ls.accept()
    s.settimeout(10)
    got = b""
    while len(got) < len(HELLO):
        got += s.recv(4096)
    s.sendall(REPLY)
    res = {"role": "server", "late_bytes": 0}
    wait_recv(s, hold, time.time(), res, "late_bytes")
    print(json.dumps(res), flush=True)


def client(addr, port, hold, ready, go):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect((addr, port))
    s.sendall(HELLO)
    got = b""
    while len(got) < len(REPLY):
        got += s.recv(4096)
    time.sleep(0.3)  # the last ACKs of the exchange go through before the rule
    open(ready, "w").close()
    t_end = time.time() + 10
    while not os.path.exists(go) and time.time() < t_end:
        time.sleep(0.02)
    t0 = time.time()
    s.sendall(DATA)
    res = {"role": "client", "sent": len(DATA)}
    wait_recv(s, hold, t0, res)
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])
