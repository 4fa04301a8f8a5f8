#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of idlecut-lab: read a scenario, judge a repro run.

  report.py scenario FILE          print "INSIDE_TAP OUTSIDE_TAP ESTABLISHED_SECONDS"
                                   (first pair; the TCP established timeout of the
                                   default profile, or of the first rule's)
  report.py client FILE            one line from an eas_ping.py report
  report.py table OUT VARIANT...   verdict table and evidence for OUT/VARIANT/ runs;
                                   writes OUT/verdict.json; exit 0 if every run PASSes

A run directory holds meta.json (written by idlecut-lab: variant, heartbeat, time scale,
timeout, keepalive, expectation), client.json (eas_ping.py), backend.log (eas_backend.py),
events.jsonl (idlecut --events), idlecut.out (summary and its --stats-json line),
nginx-error.log, backend.pcap and proxy.pcap (tcpdump on each side of idlecut).
"""
import datetime
import json
import os
import re
import subprocess
import sys

# A 5xx must arrive at the timeout: not before it (minus clock granularity) and at most
# this late. idlecut's wheel ticks every 1 ms; the rest is the proxy answering.
EARLY, LATE = 0.05, 1.0


def duration(v):
    if isinstance(v, (int, float)):
        return float(v)
    v = str(v).strip()
    if v == "indefinite":
        return float("inf")
    if v == "immediate":
        return 0.0
    m = re.fullmatch(r"([0-9.]+)\s*(ms|s|m|h)?", v)
    if not m:
        raise ValueError(f"bad duration {v!r}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def cmd_scenario(path):
    import yaml
    with open(path) as f:
        s = yaml.safe_load(f)
    pair = s["ports"][0]
    taps = []
    for side in ("inside", "outside"):
        if "tap" not in pair[side]:
            sys.exit(f"{path}: the lab needs TAP ports; pair {pair.get('name')} {side} is "
                     f"{pair[side]}")
        taps.append(pair[side]["tap"])
    prof = s.get("default_profile")
    if prof not in s.get("profiles", {}) and s.get("rules"):
        prof = s["rules"][0]["profile"]
    tcp = s.get("profiles", {}).get(prof, {}).get("tcp", {})
    est = duration(tcp["established"]) if isinstance(tcp, dict) and "established" in tcp \
        else float("nan")
    print(taps[0], taps[1], f"{est:g}")
    return 0


def iso(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def jlines(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def tcpdump(pcap, flt, extra=()):
    if not os.path.exists(pcap):
        return []
    r = subprocess.run(["tcpdump", "-nn", "-r", pcap, *extra, flt], capture_output=True,
                       text=True)
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def fmt_s(x):
    return "-" if x is None else f"{x:.2f} s"


def judge(d):
    m = json.load(open(os.path.join(d, "meta.json")))
    cli = (jlines(os.path.join(d, "client.json")) or [{}])[-1]
    backend = jlines(os.path.join(d, "backend.log"))
    summary = (jlines(os.path.join(d, "idlecut.out")) or [None])[-1]
    events = jlines(os.path.join(d, "events.jsonl"))
    t_sent = cli.get("t_sent")
    r = dict(variant=m["variant"], heartbeat=m["heartbeat"], hold=m["hold"],
             timeout=m["timeout"], timeout_real=m["timeout_real"], scale=m["scale"],
             keepalive=m.get("keepalive"), expect=m["expect"], dir=d,
             status=cli.get("status"), elapsed=cli.get("elapsed"),
             ping_status=cli.get("ping_status"), client_error=cli.get("error"))
    # idlecut: the expiry of the proxy's upstream connection (TCP to the backend port).
    exp = [e for e in events if e.get("event") == "expired" and e.get("proto") == "tcp"
           and e.get("server_port") == m["backend_port"]]
    r["expired"] = [dict(at=(iso(e["time"]) - t_sent) if t_sent else None,
                         rst_sent=e.get("rst_sent"), action=e.get("action"),
                         state=e.get("state"), idle=e.get("idle_seconds"),
                         client=f'{e.get("client")}:{e.get("client_port")}',
                         server=f'{e.get("server")}:{e.get("server_port")}') for e in exp]
    rst = (summary or {}).get("rst_sent", {})
    r["rst_client"], r["rst_server"] = rst.get("client"), rst.get("server")
    r["summary"] = summary is not None
    # The backend: what became of the Ping it held.
    outcome = [b for b in backend if b.get("event") in ("answered", "reset", "closed", "error")]
    r["backend"] = outcome[-1]["event"] if outcome else None
    r["backend_after"] = outcome[-1].get("after") if outcome else None
    r["backend_requests"] = sum(1 for b in backend if b.get("event") == "request")
    # Captures: RSTs seen on each side of idlecut, and who they claim to come from.
    proxy_ip, backend_ip = m["proxy_ip"], m["backend_ip"]
    rst_flt = "tcp[tcpflags] & tcp-rst != 0"
    r["pcap_backend_rst"] = tcpdump(os.path.join(d, "backend.pcap"), rst_flt)
    r["pcap_proxy_rst"] = tcpdump(os.path.join(d, "proxy.pcap"), rst_flt)
    r["proxy_sent_rst"] = [ln for ln in r["pcap_proxy_rst"] if f" {proxy_ip}." in
                           ln.split(">")[0]]
    r["backend_sent_rst"] = [ln for ln in r["pcap_backend_rst"] if f" {backend_ip}." in
                             ln.split(">")[0]]
    # Keepalive probes: pure ACKs from the proxy while the backend held the Ping.
    r["keepalive_probes"] = None
    if m.get("keepalive"):
        lines = tcpdump(os.path.join(d, "backend.pcap"),
                        f"tcp and src host {proxy_ip} and dst port {m['backend_port']}",
                        ("-tt",))
        data_t = [float(ln.split()[0]) for ln in lines if not ln.endswith("length 0")]
        if data_t:
            t_req = data_t[0]
            t_end = t_req + (r["elapsed"] or 0)
            r["keepalive_probes"] = sum(
                1 for ln in lines if ln.endswith("length 0")
                and t_req + 0.5 < float(ln.split()[0]) < t_end - 0.05)
    try:
        with open(os.path.join(d, "nginx-error.log")) as f:
            r["nginx_upstream_error"] = next(
                (ln.strip() for ln in f if "upstream" in ln and "[error]" in ln), None)
    except OSError:
        r["nginx_upstream_error"] = None

    why = []
    if r["client_error"]:
        why.append(f"the client got no HTTP answer ({r['client_error']})")
    if m["expect"] == "5xx":
        if not (isinstance(r["status"], int) and 500 <= r["status"] <= 599):
            why.append(f"HTTP {r['status']} instead of 5xx")
        el = r["elapsed"]
        if el is None or not (m["timeout"] - EARLY <= el <= m["timeout"] + LATE):
            why.append(f"answer after {fmt_s(el)}, not within [-{EARLY}, +{LATE}] s of the "
                       f"{m['timeout']:g} s timeout")
        if r["backend"] != "reset":
            why.append(f"backend saw {r['backend']}, not a reset")
        if (r["rst_client"], r["rst_server"]) != (1, 1):
            why.append(f"idlecut sent {r['rst_client']} RST to the client side and "
                       f"{r['rst_server']} to the server side, expected 1 and 1")
        if len(r["expired"]) != 1 or r["expired"][0]["rst_sent"] != 2:
            why.append("no single expiry with 2 RSTs in the events file")
        if not r["pcap_backend_rst"]:
            why.append("no RST in the backend-side capture")
    else:
        if r["status"] != 200 or r["ping_status"] != 1:
            why.append(f"HTTP {r['status']} (Ping Status {r['ping_status']}) instead of 200 "
                       "with Ping Status 1")
        el = r["elapsed"]
        if el is None or not (m["hold"] - EARLY <= el <= m["hold"] + LATE):
            why.append(f"answer after {fmt_s(el)}, not at the {m['hold']:g} s heartbeat")
        if r["backend"] != "answered":
            why.append(f"backend saw {r['backend']}, not its answer going out")
        if (r["rst_client"], r["rst_server"]) != (0, 0):
            why.append(f"idlecut sent RSTs (client {r['rst_client']}, server "
                       f"{r['rst_server']})")
        if m.get("keepalive") and not r["keepalive_probes"]:
            why.append("no keepalive probe seen in the capture")
    if not r["summary"]:
        why.append("no counter summary from idlecut")
    r["verdict"] = "FAIL" if why else "PASS"
    r["why"] = why
    return r


def cmd_table(out, variants):
    rows = [judge(os.path.join(out, v)) for v in variants]
    hdr = ("variant", "heartbeat", "idle timeout", "HTTP", "after", "RST from idlecut",
           "backend", "expected", "verdict")
    table = []
    for r in rows:
        sc = r["scale"]
        hb = f"{r['heartbeat']} s" + (f" ({r['hold']:g} s)" if sc != 1 else "")
        to = f"{r['timeout_real']:g} s" + (f" ({r['timeout']:g} s)" if sc != 1 else "")
        if r["expired"]:
            e = r["expired"][0]
            who = {2: "proxy, backend", 1: "one end", 0: "nobody"}.get(e["rst_sent"], "?")
            rst = f"{e['rst_sent']} at +{e['at']:.2f} s: {who}" if e["at"] is not None \
                else f"{e['rst_sent']}: {who}"
        else:
            rst = "none"
            if r["keepalive_probes"] is not None:
                rst += f" ({r['keepalive_probes']} keepalives)"
        be = r["backend"] or "-"
        if r["backend"] == "reset":
            be = f"reset at +{r['backend_after']:.2f} s"
        elif r["backend"] == "answered":
            be = "answered 200"
        exp = (f"5xx at {r['timeout']:g} s" if r["expect"] == "5xx"
               else f"200 at {r['hold']:g} s")
        http = str(r["status"]) if r["status"] else "none" if r["client_error"] else "-"
        table.append((r["variant"], hb, to, http,
                      fmt_s(r["elapsed"]), rst, be, exp, r["verdict"]))
    w = [max(len(x[i]) for x in table + [hdr]) for i in range(len(hdr))]
    line = lambda cells: "  ".join(c.ljust(w[i]) for i, c in enumerate(cells)).rstrip()
    print(line(hdr))
    print(line(["-" * n for n in w]))
    for t in table:
        print(line(t))
    print()
    for r in rows:
        d = r["dir"]
        print(f"{r['variant']}: {r['verdict']}" + (" - " + "; ".join(r["why"]) if r["why"]
                                                  else ""))
        print(f"  client      {d}/client.json")
        print(f"  backend log {d}/backend.log ({r['backend_requests']} Ping, "
              f"{r['backend'] or 'no outcome'})")
        print(f"  events      {d}/events.jsonl ({len(r['expired']) or 'no'} expiry of the upstream "
              "connection" + (f": rst_sent={r['expired'][0]['rst_sent']}, "
                              f"state={r['expired'][0]['state']}, idle "
                              f"{r['expired'][0]['idle']} s, client "
                              f"{r['expired'][0]['client']} server "
                              f"{r['expired'][0]['server']}" if r["expired"] else "") + ")")
        print(f"  counters    {d}/idlecut.out (rst_sent client={r['rst_client']} "
              f"server={r['rst_server']})")
        if r["nginx_upstream_error"]:
            # "... [error] PID#TID: *N recv() failed (...) while ..., client: ..."
            msg = re.sub(r"^.*\[error\] [0-9#]+: \*[0-9]+ ", "", r["nginx_upstream_error"])
            print(f"  nginx       {d}/nginx-error.log: {msg.split(', client:')[0]}")
        print(f"  capture     {d}/backend.pcap (backend side), {d}/proxy.pcap (proxy side)")
        for side, lines in (("backend", r["pcap_backend_rst"]), ("proxy", r["pcap_proxy_rst"])):
            if lines:
                print(f"    tcpdump -nn -r {d}/{side}.pcap 'tcp[tcpflags] & tcp-rst != 0'")
                for ln in lines:
                    print(f"      {ln}")
        if r["pcap_backend_rst"] or r["pcap_proxy_rst"]:
            if not r["proxy_sent_rst"] and not r["backend_sent_rst"]:
                print("    neither end sent an RST (none leaves the proxy or the backend in "
                      "its own capture): idlecut made both, with the other end's addresses")
            else:
                print(f"    RSTs sent by the ends themselves: proxy "
                      f"{len(r['proxy_sent_rst'])}, backend {len(r['backend_sent_rst'])}")
        elif r["keepalive_probes"] is not None:
            print(f"    {r['keepalive_probes']} keepalive probes from the proxy while the "
                  f"Ping was held (tcpdump -nn -r {d}/backend.pcap)")
    ok = all(r["verdict"] == "PASS" for r in rows)
    with open(os.path.join(out, "verdict.json"), "w") as f:
        json.dump(rows, f, indent=1)
    return 0 if ok else 1


def cmd_client(path):
    c = (jlines(path) or [{}])[-1]
    if c.get("status"):
        extra = f", Ping Status {c['ping_status']}" if "ping_status" in c else ""
        print(f"HTTP {c['status']} {c.get('reason', '')} after {c.get('elapsed')} s{extra}")
    else:
        print(f"no HTTP answer: {c.get('error', 'no report')}")
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "client":
        return cmd_client(sys.argv[2])
    if len(sys.argv) >= 3 and sys.argv[1] == "scenario":
        return cmd_scenario(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "table":
        return cmd_table(sys.argv[2], sys.argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
