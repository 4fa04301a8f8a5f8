#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Endpoints for tests/e2e/replay_test.sh, real Linux sockets:

  replay_peers.py echo-server ADDR PORT           echo every line back, until killed
  replay_peers.py client ADDR PORT GAP [GAP...]   one connection per GAP, one after the
                                                  other: a line, its echo, GAP seconds of
                                                  silence, a line, its echo, close
  replay_peers.py slow-http ADDR PORT HOLD        HTTP/1.1 keep-alive server answering each
                                                  request after HOLD seconds (a long poll)
"""
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def quickack(s):
    # No delayed ACK in the middle of a gap: the gap must stay one gap.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            quickack(self.request)
            line = self.rfile.readline()
            if not line:
                return
            self.wfile.write(line)
            self.wfile.flush()


def client(addr, port, gaps):
    for g in gaps:
        s = socket.create_connection((addr, port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rwb")
        for i, pause in enumerate((0, g)):
            time.sleep(pause)
            f.write(b"line %d\n" % i)
            f.flush()
            quickack(s)
            if f.readline() != b"line %d\n" % i:
                sys.exit("echo mismatch")
            quickack(s)
        f.close()
        s.close()
        time.sleep(0.02)
    print("client done", flush=True)


class Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hold = 0.48

    def do_GET(self):
        time.sleep(self.hold)
        body = b"done\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "echo-server":
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        srv = socketserver.ThreadingTCPServer((addr, port), Echo)
        print("listening", flush=True)
        srv.serve_forever()
    elif mode == "client":
        client(addr, port, [float(g) for g in sys.argv[4:]])
    elif mode == "slow-http":
        Slow.hold = float(sys.argv[4])
        srv = ThreadingHTTPServer((addr, port), Slow)
        print("listening", flush=True)
        srv.serve_forever()
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    threading.current_thread().name = "main"
    main()
