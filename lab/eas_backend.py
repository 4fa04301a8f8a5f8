#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A long-poll backend standing for Exchange's ActiveSync Direct Push (`Ping`).

  eas_backend.py --listen ADDR --port PORT [--time-scale F]
                 [--mailbox EMAIL,CONTACTS,CALENDAR]

POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=..&DeviceId=..&DeviceType=.. with a Ping
body (WBXML or XML, see eas.py) is held for the heartbeat it names, times F, then
answered 200 with Ping Status 1 (heartbeat expired, no changes), in the request's format.
A heartbeat outside 60..3540 s is answered at once with Status 5 and the bound, as
Exchange does. OPTIONS answers with the protocol versions, as Exchange does.

While a request is held the connection is watched: if it is reset (an RST arrives) or
closed by the peer, that is logged and nothing is answered. One JSON line per event on
stdout: "listening", "request" (peer, user, device, heartbeat, hold), and the outcome
"answered", "reset" or "closed" with "after" (seconds since the request was read).

It also answers what a phone sends when it starts over (MS-ASCMD): FolderSync (SyncKey 0:
the whole hierarchy, Inbox, Contacts and Calendar, and a new key) and Sync (SyncKey 0: the
folder's first key, no items; then the key it gave: every item of the folder, which for a
phone that threw its state away means everything again). The mailbox holds --mailbox
items (default 200 mails, 150 contacts, 60 appointments). Lines: "foldersync" (synckey in
and out, folders sent), "sync" (folder, class, synckey in and out, items and bytes sent;
"resent": true when the items went out again because the phone started from SyncKey 0).
"""
import argparse
import errno
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import eas

LOCK = threading.Lock()

# The mailbox's default folders: (server id, display name, FolderSync type).
FOLDERS = (("5", "Inbox", 2), ("3", "Contacts", 9), ("4", "Calendar", 8))


def item_data(cls, n):
    """A small but real-looking item of folder class cls, n from 1."""
    if cls == "Email":
        return [("Email:Subject", f"Quarterly report, part {n}"),
                ("Email:From", f"\"Colleague {n}\" <colleague{n}@example.com>"),
                ("Email:DateReceived", f"2014-03-{n % 28 + 1:02d}T09:{n % 60:02d}:00.000Z")]
    if cls == "Contacts":
        return [("Contacts:FileAs", f"Contact {n}, Lab"), ("Contacts:FirstName", "Lab"),
                ("Contacts:LastName", f"Contact {n}")]
    return [("Calendar:Subject", f"Meeting {n}"),
            ("Calendar:StartTime", f"20140{n % 9 + 1}{n % 28 + 1:02d}T100000Z"),
            ("Calendar:EndTime", f"20140{n % 9 + 1}{n % 28 + 1:02d}T110000Z")]


def log(event, **kw):
    line = json.dumps(dict(time=round(time.time(), 6), event=event, **kw))
    with LOCK:
        print(line, flush=True)


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length, so the proxy may keep the upstream connection.
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    time_scale = 1.0
    mailbox = {"Email": 200, "Contacts": 150, "Calendar": 60}
    # Per device: the FolderSync key and, per collection, the Sync key it was given.
    devices = {}

    def log_message(self, fmt, *args):  # the JSON lines replace the access log
        pass

    def reply(self, code, body=b"", ctype=None, extra=()):
        self.send_response(code)
        self.send_header("MS-Server-ActiveSync", "15.1")
        for k, v in extra:
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_OPTIONS(self):
        self.reply(200, extra=(("MS-ASProtocolVersions", "2.5,12.0,12.1,14.0,14.1,16.0,16.1"),
                               ("MS-ASProtocolCommands", "Sync,FolderSync,Ping,Settings")))

    def watch(self, hold):
        """Wait up to hold seconds; 'reset'/'closed' if the connection ends first."""
        conn = self.connection
        deadline = time.monotonic() + hold
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([conn], [], [], left)
            if not r:
                continue
            try:
                if conn.recv(1, socket.MSG_PEEK) == b"":
                    return "closed"
                # A pipelined request during a Ping: not what a proxy does; keep holding.
                time.sleep(min(left, 0.05))
            except ConnectionResetError:
                return "reset"
            except OSError as e:
                return "reset" if e.errno == errno.ECONNRESET else f"error {e.errno}"

    def do_POST(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ctype = (self.headers.get("Content-Type") or eas.WBXML_TYPE).split(";")[0].strip()
        peer = "%s:%d" % self.client_address[:2]
        if url.path != eas.PATH or q.get("Cmd") not in ("Ping", "FolderSync", "Sync"):
            log("refused", peer=peer, path=self.path)
            self.reply(501)
            return
        if q["Cmd"] != "Ping":
            try:
                req = eas.decode(body, ctype)
            except (ValueError, ET.ParseError) as e:
                log("bad-request", peer=peer, cmd=q["Cmd"], error=str(e))
                self.reply(400)
                return
            with LOCK:
                dev = self.devices.setdefault(q.get("DeviceId"), {"collections": {}})
            if q["Cmd"] == "FolderSync":
                self.folder_sync(req, ctype, peer, dev)
            else:
                self.sync(req, ctype, peer, dev)
            return
        try:
            heartbeat = int(eas.find(eas.decode(body, ctype), "HeartbeatInterval"))
        except (ValueError, TypeError, ET.ParseError) as e:
            log("bad-request", peer=peer, error=str(e))
            self.reply(200, eas.encode(eas.ping_response(4), ctype), ctype)  # 4: syntax
            return
        if not eas.MIN_HEARTBEAT <= heartbeat <= eas.MAX_HEARTBEAT:
            bound = eas.MIN_HEARTBEAT if heartbeat < eas.MIN_HEARTBEAT else eas.MAX_HEARTBEAT
            log("out-of-bounds", peer=peer, heartbeat=heartbeat, limit=bound)
            self.reply(200, eas.encode(eas.ping_response(5, bound), ctype), ctype)
            return
        hold = heartbeat * self.time_scale
        t0 = time.time()
        log("request", peer=peer, user=q.get("User"), device=q.get("DeviceId"),
            device_type=q.get("DeviceType"), heartbeat=heartbeat, hold=round(hold, 3),
            format="wbxml" if ctype == eas.WBXML_TYPE else "xml")
        ended = self.watch(hold)
        if ended is not None:
            log(ended, peer=peer, after=round(time.time() - t0, 3), heartbeat=heartbeat)
            self.close_connection = True
            return
        try:
            self.reply(200, eas.encode(eas.ping_response(1), ctype), ctype)
        except OSError as e:
            log("reset" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "error",
                peer=peer, after=round(time.time() - t0, 3), stage="send", errno=e.errno)
            self.close_connection = True
            return
        log("answered", peer=peer, after=round(time.time() - t0, 3), status=200,
            ping_status=1, heartbeat=heartbeat)


    def folder_sync(self, req, ctype, peer, dev):
        key = eas.find(req, "SyncKey")
        if key == "0":
            # Starting over: the whole hierarchy again, every folder's sync state dropped.
            dev["folder_key"] = "1"
            dev["collections"] = {}
            resp = eas.foldersync_response(1, "1", FOLDERS)
            sent = len(FOLDERS)
        elif key is not None and key == dev.get("folder_key"):
            resp = eas.foldersync_response(1, key)  # no hierarchy changes
            sent = 0
        else:
            resp = eas.foldersync_response(9, None)  # 9: invalid synchronization key
            sent = 0
        data = eas.encode(resp, ctype, eas.PAGE_OF["FolderHierarchy"])
        self.reply(200, data, ctype)
        log("foldersync", peer=peer, synckey=key, new_synckey=eas.find(resp, "SyncKey"),
            status=int(eas.find(resp, "Status")), folders=sent, bytes=len(data))

    def sync(self, req, ctype, peer, dev):
        key, cid = eas.find(req, "SyncKey"), eas.find(req, "CollectionId")
        folder = next((f for f in FOLDERS if f[0] == cid), None)
        cols = dev["collections"]
        adds, status, new = [], 1, None
        if folder is None:
            status = 8  # 8: object not found (no such collection)
        elif key == "0":
            # MS-ASCMD: the answer to SyncKey 0 carries the first key and no items.
            new = "1"
            cols[cid] = {"key": new, "fresh": True}
        elif cols.get(cid, {}).get("key") == key:
            st = cols[cid]
            cls = eas.FOLDER_TYPES[folder[2]]
            if st["fresh"]:
                adds = [(f"{cid}:{n}", item_data(cls, n))
                        for n in range(1, self.mailbox[cls] + 1)]
            new = str(int(key) + 1)
            cols[cid] = {"key": new, "fresh": False}
        else:
            status = 3  # 3: invalid synchronization key
        resp = eas.sync_response(cid or "", status, new or "0", adds)
        data = eas.encode(resp, ctype, eas.PAGE_OF["AirSync"])
        self.reply(200, data, ctype)
        log("sync", peer=peer, collection=cid,
            folder_class=eas.FOLDER_TYPES.get(folder[2]) if folder else None, synckey=key,
            new_synckey=new, status=status, items=len(adds), bytes=len(data),
            resent=bool(adds))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--mailbox", default="200,150,60",
                    help="items in Inbox, Contacts, Calendar (default 200,150,60)")
    a = ap.parse_args()
    Handler.time_scale = a.time_scale
    try:
        n = [int(x) for x in a.mailbox.split(",")]
        if len(n) != 3 or min(n) < 0:
            raise ValueError
    except ValueError:
        ap.error(f"--mailbox: three counts >= 0 (Inbox, Contacts, Calendar), not {a.mailbox!r}")
    Handler.mailbox = dict(zip(("Email", "Contacts", "Calendar"), n))
    ThreadingHTTPServer.address_family = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((a.listen, a.port), Handler)
    log("listening", addr=a.listen, port=a.port, time_scale=a.time_scale,
        mailbox=Handler.mailbox)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
