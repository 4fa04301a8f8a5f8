#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Real TCP sockets for the e2e tests.

server ADDR PORT            accept one connection, read to EOF, print "bytes sha256"
client ADDR PORT NBYTES     send NBYTES of seeded pseudo-random data, print "bytes sha256"
"""
import hashlib
import random
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(30)
    print("listening", flush=True)
    c, _ = s.accept()
    c.settimeout(30)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        n += len(b)
    c.close()
    print(n, h.hexdigest(), flush=True)


def client(addr, port, nbytes):
    rng = random.Random(20261124)
    s = socket.create_connection((addr, port), timeout=30)
    h, left = hashlib.sha256(), nbytes
    while left > 0:
        chunk = rng.randbytes(min(left, 1 << 16))
        s.sendall(chunk)
        h.update(chunk)
        left -= len(chunk)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    print(nbytes, h.hexdigest(), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
