#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak load: many short and long TCP connections and some UDP, for a bounded time.

  soak_load.py server ADDR PORT SECONDS
  soak_load.py client ADDR PORT SECONDS THREADS IDLE_S

Short connections send a few KB, read the echo and close. Long ones go idle for IDLE_S
(longer than idlecut's timeout) and must then be reset. The client prints one JSON line of
counts. Every loop and socket is bounded in time.
"""
import json
import random
import socket
import sys
import threading
import time


def server(addr, port, seconds):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(512)
    ls.settimeout(1)
    print("listening", flush=True)
    end = time.time() + seconds + 30

    def echo(c):
        c.settimeout(30)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        except OSError:
            pass
        c.close()

    while time.time() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def client(addr, port, seconds, threads, idle):
    counts = {"short_ok": 0, "short_fail": 0, "long_reset": 0, "long_other": 0, "udp": 0}
    lock = threading.Lock()
    end = time.time() + seconds

    def add(k):
        with lock:
            counts[k] += 1

    def worker(i):
        rnd = random.Random(i)
        while time.time() < end:
            if rnd.random() < 0.15:
                try:
                    s = socket.create_connection((addr, port), timeout=10)
                    s.sendall(b"l" * 100)
                    s.recv(100)
                    s.settimeout(idle + 5)
                    time.sleep(idle)
                    s.sendall(b"after")
                    b = s.recv(10)
                    add("long_reset" if not b else "long_other")
                except OSError:
                    add("long_reset")
                continue
            try:
                n = rnd.randrange(100, 8192)
                s = socket.create_connection((addr, port), timeout=10)
                s.sendall(b"s" * n)
                got = 0
                while got < n:
                    b = s.recv(65536)
                    if not b:
                        break
                    got += len(b)
                s.close()
                add("short_ok" if got == n else "short_fail")
            except OSError:
                add("short_fail")
            if rnd.random() < 0.2:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.sendto(b"u", (addr, port + 1))
                u.close()
                add("udp")

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]),
               float(sys.argv[6]))
