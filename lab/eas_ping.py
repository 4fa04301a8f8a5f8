#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A phone's ActiveSync Direct Push `Ping`, sent through the reverse proxy.

  eas_ping.py --server ADDR [--port 80] [--heartbeat S] [--time-scale F]
              [--idle-timeout S] [--format wbxml|xml] [--progress S]

Sends one Ping with HeartbeatInterval S (protocol seconds, as a phone would), then waits
for the answer, printing on stderr what it waits for and how long is left (the heartbeat
times F is when the server should answer; --idle-timeout, already scaled, is only shown).
Prints one JSON line on stdout: HTTP status (null if the connection failed), elapsed
seconds from the request to the response, wall-clock times, the Ping Status of a 200.
Exit 0 on 200 with Ping Status 1, 1 otherwise.
"""
import argparse
import http.client
import json
import sys
import threading
import time

import eas


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--heartbeat", type=int, default=480)
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--idle-timeout", type=float, default=None)
    ap.add_argument("--format", choices=("wbxml", "xml"), default="wbxml")
    ap.add_argument("--progress", type=float, default=3.0, help="seconds between reports")
    ap.add_argument("--user", default="jdoe")
    ap.add_argument("--device", default="IDLECUTLAB0001")
    a = ap.parse_args()

    ctype = eas.WBXML_TYPE if a.format == "wbxml" else eas.XML_TYPE
    body = eas.encode(eas.ping_request(a.heartbeat), ctype)
    hold = a.heartbeat * a.time_scale
    path = (f"{eas.PATH}?Cmd=Ping&User={a.user}&DeviceId={a.device}&DeviceType=iPhone")
    headers = {"Content-Type": ctype, "MS-ASProtocolVersion": "14.1",
               "User-Agent": "Apple-iPhone/idlecut-lab", "Authorization": "Basic amRvZTpsYWI="}
    # The phone's own HTTP timeout is a little above its heartbeat, as real clients do.
    conn = http.client.HTTPConnection(a.server, a.port, timeout=hold + 30)
    done = threading.Event()
    res = dict(heartbeat=a.heartbeat, hold=round(hold, 3), status=None)

    def progress(t0):
        tmo = f"; idle timeout {a.idle_timeout:g} s" if a.idle_timeout else ""
        while not done.wait(a.progress):
            el = time.monotonic() - t0
            print(f"    waiting for Ping response: {el:.1f} s of {hold:g} s, "
                  f"{max(0.0, hold - el):.1f} s left (heartbeat {a.heartbeat} s x "
                  f"{a.time_scale:g}{tmo})", file=sys.stderr, flush=True)

    try:
        conn.connect()
        res["local"] = "%s:%d" % conn.sock.getsockname()[:2]
        res["t_sent"] = time.time()
        t0 = time.monotonic()
        threading.Thread(target=progress, args=(t0,), daemon=True).start()
        conn.request("POST", path, body, headers)
        r = conn.getresponse()
        data = r.read()
        res["elapsed"] = round(time.monotonic() - t0, 3)
        res["t_done"] = time.time()
        res["status"] = r.status
        res["reason"] = r.reason
        res["server"] = r.getheader("Server")
        if r.status == 200:
            try:
                res["ping_status"] = int(eas.find(eas.decode(data, r.getheader(
                    "Content-Type") or ctype), "Status"))
            except (ValueError, TypeError):
                res["ping_status"] = None
        else:
            res["body"] = data[:200].decode(errors="replace")
    except OSError as e:
        res["error"] = f"{type(e).__name__}: {e}"
        if "t_sent" in res:
            res["elapsed"] = round(time.time() - res["t_sent"], 3)
    finally:
        done.set()
    print(json.dumps(res), flush=True)
    return 0 if res["status"] == 200 and res.get("ping_status") == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
