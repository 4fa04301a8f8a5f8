#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A phone's Exchange ActiveSync Direct Push loop, as an iOS device runs it.

  eas_phone.py --server ADDR [--port 80] [--heartbeat S] [--heartbeat-min S]
               [--heartbeat-max S] [--heartbeat-increment S] [--resync-after N]
               [--max-pings M] [--time-scale F] [--idle-timeout S] [--format wbxml|xml]
               [--progress S] [--user U] [--device ID]

It sends a Ping, and after each answer it pings again (Direct Push: "the device reissues
a request when the server responds"). The heartbeat starts at --heartbeat (480 s: the
8-minute default of Microsoft KB 905013) and is adjusted as Microsoft documents the
Direct Push client algorithm (TechNet cc182270, "Heartbeat Interval Adjustment",
https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-phone/cc182270(v=technet.10)):
  - a Ping that gets its response (200, Ping Status 1): the interval goes up by
    HeartbeatIncrement (--heartbeat-increment), at most HeartbeatMax (--heartbeat-max,
    default 3540 s, Exchange's MaxHeartbeatInterval);
  - no response at the end of the interval (the connection failed without an HTTP
    answer: "the network timed out"): back to the previous heartbeat if the last Ping
    had increased it, else to HeartbeatMin (--heartbeat-min, default: the start value);
  - Ping Status 5 (heartbeat out of bounds): the bound the server gives.
An HTTP 500 is an answer, not a network time-out, so that rule does not apply to it and
the heartbeat stays: what the seed case shows (the phones kept getting 500s until they
resynced). HeartbeatIncrement has no documented default: 300 s is an assumption.

After --resync-after consecutive HTTP 500s (default 3: no source gives Apple's number;
the seed says only "an HTTP 500 error in response to consecutive requests", so this is an
assumption) the phone throws its sync state away and starts a full resync (MS-ASCMD):
FolderSync with SyncKey 0, then for each folder (mail, contacts, calendar) Sync with
SyncKey 0 and Sync with the key it got, until no MoreAvailable. The loop ends after the
resync or after --max-pings Pings (default 6), so a run always ends.

Times: the heartbeat is sent as configured (protocol seconds); the phone expects the
answer after heartbeat x F (the backend holds each Ping that long). --idle-timeout
(already scaled) is only shown in the progress lines.

Output: one JSON line per request on stdout ("ping", "foldersync", "sync", "resync"),
then a "summary" line (pings and their statuses, consecutive 500s, resync yes/no and after
how many 500s, items received per class). Exit 0 when the loop ran to its end, 2 on bad
arguments.
"""
import argparse
import http.client
import json
import sys
import threading
import time

import eas

# The sync state the phone had from an earlier, normal sync; the resync throws it away.
EARLIER_STATE = {"folder_key": "7", "collections": {"5": "42", "3": "17", "4": "9"}}


def emit(event, **kw):
    print(json.dumps(dict(time=round(time.time(), 6), event=event, **kw)), flush=True)


class Phone:
    def __init__(self, a):
        self.a = a
        self.ctype = eas.WBXML_TYPE if a.format == "wbxml" else eas.XML_TYPE
        self.conn = None
        self.headers = {"Content-Type": self.ctype, "MS-ASProtocolVersion": "14.1",
                        "User-Agent": "Apple-iPhone/idlecut-lab",
                        "Authorization": "Basic amRvZTpsYWI="}

    def request(self, cmd, node, page, timeout):
        """One POST on the phone's persistent connection (reconnecting when it is gone).
        Returns a dict: status (None without an HTTP answer), elapsed, decoded body..."""
        a = self.a
        path = f"{eas.PATH}?Cmd={cmd}&User={a.user}&DeviceId={a.device}&DeviceType=iPhone"
        body = eas.encode(node, self.ctype, page)
        res = dict(status=None)
        t0 = time.monotonic()
        res["t_sent"] = time.time()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(a.server, a.port, timeout=timeout)
                self.conn.connect()
            self.conn.sock.settimeout(timeout)
            res["local"] = "%s:%d" % self.conn.sock.getsockname()[:2]
            self.conn.request("POST", path, body, self.headers)
            r = self.conn.getresponse()
            data = r.read()
            res.update(status=r.status, reason=r.reason, server=r.getheader("Server"),
                       bytes=len(data))
            if r.will_close:
                self.close()
            if r.status == 200 and data:
                try:
                    res["tree"] = eas.decode(data, r.getheader("Content-Type") or self.ctype)
                except (ValueError, SyntaxError) as e:
                    res["error"] = f"bad body: {e}"
            elif r.status != 200:
                res["body"] = data[:200].decode(errors="replace")
        except (OSError, http.client.HTTPException) as e:
            res["error"] = f"{type(e).__name__}: {e}"
            self.close()
        res["elapsed"] = round(time.monotonic() - t0, 3)
        return res

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def ping(self, n, heartbeat):
        a = self.a
        hold = heartbeat * a.time_scale
        done = threading.Event()

        def progress(t0):
            tmo = f"; idle timeout {a.idle_timeout:g} s" if a.idle_timeout else ""
            while not done.wait(a.progress):
                el = time.monotonic() - t0
                print(f"    waiting for Ping {n} response: {el:.1f} s of {hold:g} s, "
                      f"{max(0.0, hold - el):.1f} s left (heartbeat {heartbeat} s x "
                      f"{a.time_scale:g}{tmo})", file=sys.stderr, flush=True)

        threading.Thread(target=progress, args=(time.monotonic(),), daemon=True).start()
        try:
            # The phone's own HTTP timeout is a little above its heartbeat.
            return self.request("Ping", eas.ping_request(heartbeat), eas.PING_PAGE, hold + 30)
        finally:
            done.set()

    def resync(self, after):
        """Discard the sync state; FolderSync 0, then Sync 0 and Sync KEY per folder."""
        emit("resync", after_500s=after, discarded=EARLIER_STATE)
        got = {}
        r = self.request("FolderSync", eas.foldersync_request("0"),
                         eas.PAGE_OF["FolderHierarchy"], 30)
        folders = []
        if r["status"] == 200 and "tree" in r:
            for add in eas.children(r["tree"], "Add"):
                sid, typ = eas.find(add, "ServerId"), eas.find(add, "Type")
                if typ is not None and int(typ) in eas.FOLDER_TYPES:
                    folders.append((sid, eas.FOLDER_TYPES[int(typ)]))
        emit("foldersync", synckey="0", status=r["status"],
             fs_status=eas.find(r["tree"], "Status") if "tree" in r else None,
             new_synckey=eas.find(r["tree"], "SyncKey") if "tree" in r else None,
             folders=[c for _, c in folders], bytes=r.get("bytes"), error=r.get("error"))
        for cid, cls in folders:
            key, items = "0", 0
            for _ in range(100):  # bounded: a broken server cannot keep the phone here
                r = self.request("Sync", eas.sync_request(cid, key), eas.PAGE_OF["AirSync"], 30)
                tree = r.get("tree")
                new = eas.find(tree, "SyncKey") if tree else None
                n = len(eas.children(tree, "Add")) if tree else 0
                items += n
                emit("sync", collection=cid, folder_class=cls, synckey=key, status=r["status"],
                     sync_status=eas.find(tree, "Status") if tree else None, new_synckey=new,
                     items=n, bytes=r.get("bytes"), error=r.get("error"))
                if r["status"] != 200 or new is None or eas.find(tree, "Status") != "1":
                    break
                more = bool(eas.children(tree, "MoreAvailable"))
                first = key == "0"
                key = new
                if not first and not more:
                    break
            got[cls] = items
        return got

    def run(self):
        a = self.a
        hb, prev, increased = a.heartbeat, None, False
        consecutive = max_consecutive = 0
        statuses, resync, resync_after, items = [], False, None, {}
        for n in range(1, a.max_pings + 1):
            r = self.ping(n, hb)
            tree = r.get("tree")
            ps = eas.find(tree, "Status") if tree else None
            ps = int(ps) if ps and ps.isdigit() else None
            statuses.append(r["status"])
            consecutive = consecutive + 1 if r["status"] == 500 else 0
            max_consecutive = max(max_consecutive, consecutive)
            line = dict(n=n, heartbeat=hb, hold=round(hb * a.time_scale, 3),
                        status=r["status"], reason=r.get("reason"), ping_status=ps,
                        elapsed=r["elapsed"], t_sent=r["t_sent"], local=r.get("local"),
                        consecutive_500=consecutive)
            for k in ("error", "body", "server"):
                if r.get(k):
                    line[k] = r[k]
            # Heartbeat adjustment (cc182270), for the next Ping.
            if r["status"] == 200 and ps == 1:
                new = min(hb + a.heartbeat_increment, a.heartbeat_max)
                prev, increased, hb = hb, new > hb, new
            elif r["status"] == 200 and ps == 5 and tree:
                bound = eas.find(tree, "HeartbeatInterval")
                prev, increased, hb = hb, False, int(bound) if bound else hb
            elif r["status"] is None:
                hb, increased = (prev if increased and prev else a.heartbeat_min), False
            line["next_heartbeat"] = hb
            emit("ping", **line)
            if consecutive >= a.resync_after:
                resync, resync_after = True, consecutive
                items = self.resync(consecutive)
                break
        self.close()
        emit("summary", pings=len(statuses), statuses=statuses, max_consecutive_500=max_consecutive,
             resync=resync, resync_after_500s=resync_after, resync_threshold=a.resync_after,
             items_received=items, heartbeat_last=hb)
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--heartbeat", type=int, default=480)
    ap.add_argument("--heartbeat-min", type=int, default=None)
    ap.add_argument("--heartbeat-max", type=int, default=eas.MAX_HEARTBEAT)
    ap.add_argument("--heartbeat-increment", type=int, default=300)
    ap.add_argument("--resync-after", type=int, default=3)
    ap.add_argument("--max-pings", type=int, default=6)
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--idle-timeout", type=float, default=None)
    ap.add_argument("--format", choices=("wbxml", "xml"), default="wbxml")
    ap.add_argument("--progress", type=float, default=3.0, help="seconds between reports")
    ap.add_argument("--user", default="jdoe")
    ap.add_argument("--device", default="IDLECUTLAB0001")
    a = ap.parse_args()
    if a.heartbeat_min is None:
        a.heartbeat_min = a.heartbeat
    if not 0 < a.heartbeat_min <= a.heartbeat <= a.heartbeat_max:
        ap.error("need 0 < --heartbeat-min <= --heartbeat <= --heartbeat-max")
    if a.resync_after < 1 or a.max_pings < 1 or a.heartbeat_increment < 0:
        ap.error("--resync-after and --max-pings must be >= 1, --heartbeat-increment >= 0")
    if a.time_scale <= 0:
        ap.error("--time-scale must be > 0")
    return Phone(a).run()


if __name__ == "__main__":
    sys.exit(main())
