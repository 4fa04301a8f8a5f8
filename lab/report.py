#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of idlecut-lab: read a scenario, judge a repro run.

  report.py scenario FILE          print "INSIDE_TAP OUTSIDE_TAP ESTABLISHED_SECONDS"
                                   (first pair; the TCP established timeout of the
                                   default profile, or of the first rule's)
  report.py pairs FILE             one line per pair: "NAME INSIDE_TAP OUTSIDE_TAP VLAN
                                   PROFILE ESTABLISHED_SECONDS" (the profile the rules give
                                   the pair's VLAN)
  report.py client FILE            one line from an eas_ping.py report
  report.py table OUT VARIANT...   verdict table and evidence for OUT/VARIANT/ runs;
                                   writes OUT/verdict.json; exit 0 if every run PASSes
  report.py phone FILE             what an eas_phone.py run did, in two lines
  report.py path-table OUT VARIANT...
                                   the same for runs of the whole path (repro --path):
                                   who cut, TMG's 500, the phone's resync; writes
                                   OUT/verdict-path.json

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

# The 500 must arrive at the timeout: not before it (minus clock granularity) and at most
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


def pair_profile(s, pair):
    """The profile the scenario's rules give a new flow on this pair (first match wins;
    only the keys the lab's scenarios use: vlan, pair), else the default profile."""
    vlan = pair["inside"].get("vlan")
    for r in s.get("rules") or []:
        m = r.get("match", {})
        if "pair" in m and m["pair"] != pair.get("name"):
            continue
        if "vlan" in m:
            vs = m["vlan"] if isinstance(m["vlan"], list) else [m["vlan"]]
            if vlan not in [int(v) for v in vs if str(v).isdigit()]:
                continue
        if set(m) - {"vlan", "pair"}:
            continue
        return r["profile"]
    return s.get("default_profile")


def cmd_pairs(path):
    """One line per pair: NAME INSIDE_TAP OUTSIDE_TAP VLAN PROFILE ESTABLISHED_SECONDS."""
    import yaml
    with open(path) as f:
        s = yaml.safe_load(f)
    for pair in s["ports"]:
        for side in ("inside", "outside"):
            if "tap" not in pair[side]:
                sys.exit(f"{path}: the lab needs TAP ports; pair {pair.get('name')} {side} "
                         f"is {pair[side]}")
        prof = pair_profile(s, pair)
        tcp = s.get("profiles", {}).get(prof, {}).get("tcp", {})
        est = duration(tcp["established"]) if isinstance(tcp, dict) and "established" in tcp \
            else float("nan")
        print(pair["name"], pair["inside"]["tap"], pair["outside"]["tap"],
              pair["inside"].get("vlan", 0), prof, f"{est:g}")
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
    if m["expect"] == "500":
        if r["status"] != 500:
            why.append(f"HTTP {r['status']} instead of 500 (TMG's answer to the reset)")
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
        exp = (f"500 at {r['timeout']:g} s" if r["expect"] == "500"
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
            if r["status"] == 500 and NGINX_RESET in r["nginx_upstream_error"]:
                print(f"  proxy       {CHAIN}")
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


# ---------------------------------------------------------------- the whole path

# What each pair of the path stands for (the pairs of configs/lab-path/*.yaml).
ROLES = {"lb": "F5 load-balancer VLAN", "inline": "F5 in-line VLAN"}
# nginx's log line for the reset, and what TMG said for the same event.
CHAIN = ("upstream reset -> HTTP 500 (TMG: error 64 ERROR_NETNAME_DELETED; nginx: 104 "
         "ECONNRESET)")
NGINX_RESET = "(104: Connection reset by peer)"


def pcap_rsts(pcap):
    """RSTs in a capture: (epoch time, source ip, line)."""
    out = []
    for ln in tcpdump(pcap, "tcp[tcpflags] & tcp-rst != 0", ("-tt",)):
        f = ln.split()
        # "T IP A.B.C.D.PORT > E.F.G.H.PORT: Flags [R...]"
        src = f[2].rsplit(".", 1)[0] if len(f) > 2 else "?"
        out.append((float(f[0]), src, ln))
    return out


def replay_matrix(d, meta):
    """What idlecut-replay (SPEC §11) says of this run's traffic: the backend-side capture
    (d/backend.pcap, the inline pair's server side) replayed against the presets of both
    F5 roles on the path, at the run's time scale. Returns one line per cut ("f5-fastl4
    cuts tcp A > B after 300 s idle (established, reset-both)", the idle time unscaled) or
    "PRESET cuts nothing", or None when the tool is not built (IDLECUT_REPLAY names it; the
    lab sets it). The whole report is in d/replay.json and d/replay.txt."""
    tool = os.environ.get("IDLECUT_REPLAY", "")
    cap = os.path.join(d, "backend.pcap")
    if not tool or not os.access(tool, os.X_OK) or not os.path.exists(cap):
        return None
    # The endpoints' own traffic: without the RSTs idlecut injected, which would end each
    # flow within a millisecond of the cut the replay is asked to find.
    clean = os.path.join(d, "backend-no-rst.pcap")
    try:
        subprocess.run(["tcpdump", "-r", cap, "-w", clean, "not (tcp[tcpflags] & tcp-rst != 0)"],
                       capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        return ["cannot filter %s: %s" % (cap, e)]
    cmd = [tool, "--preset", "f5-standard-tcp", "--preset", "f5-fastl4",
           "--time-scale", str(meta["scale"]), "--json", os.path.join(d, "replay.json"), clean]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return ["idlecut-replay failed: %s" % e]
    if p.returncode != 0:
        return ["idlecut-replay failed: %s" % (p.stderr.strip().splitlines() or ["?"])[-1]]
    try:
        rep = json.load(open(os.path.join(d, "replay.json")))
    except (OSError, ValueError) as e:
        return ["idlecut-replay: no report: %s" % e]

    def ep(e):
        return "%s:%s" % (e.get("addr", "?"), e.get("port", "?")) if isinstance(e, dict) else str(e)

    lines = []
    for sc in rep.get("scenarios", []):
        for c in sc.get("cuts", []):
            lines.append("%s cuts %s %s > %s after %.0f s idle (%s, %s)" % (
                sc.get("name", "?"), c.get("proto", "?"), ep(c.get("client")),
                ep(c.get("server")), c.get("idle_s", 0.0) / meta["scale"], c.get("state", "?"),
                c.get("action", "?")))
        if not sc.get("cuts"):
            lines.append("%s cuts nothing" % sc.get("name", "?"))
    with open(os.path.join(d, "replay.txt"), "w") as f:
        f.write(p.stdout)
    return lines


def judge_path(d):
    m = json.load(open(os.path.join(d, "meta.json")))
    scale = m["scale"]
    phone = jlines(os.path.join(d, "phone.jsonl"))
    pings = [x for x in phone if x.get("event") == "ping"]
    summ = next((x for x in phone if x.get("event") == "summary"), {})
    backend = jlines(os.path.join(d, "backend.log"))
    summary = (jlines(os.path.join(d, "idlecut.out")) or [None])[-1]
    events = jlines(os.path.join(d, "events.jsonl"))
    r = dict(variant=m["variant"], dir=d, scale=scale, via=m["via"], heartbeat=m["heartbeat"],
             pairs=m["pairs"], expect_cut_by=m["expect_cut_by"], resync_after=m["resync_after"],
             pings=[dict(n=p["n"], heartbeat=p["heartbeat"], hold=p["hold"],
                         status=p["status"], ping_status=p.get("ping_status"),
                         elapsed=p["elapsed"], error=p.get("error")) for p in pings],
             summary=summary is not None)

    # Expiries with their pair, VLAN, profile, and when after the Ping then in flight.
    def ping_at(t):
        before = [p for p in pings if p["t_sent"] <= t]
        return before[-1] if before else None

    exp = []
    for e in events:
        if e.get("event") != "expired" or e.get("proto") != "tcp":
            continue
        t = iso(e["time"])
        p = ping_at(t)
        exp.append(dict(pair=e.get("pair"), vlan=e.get("vlan"), profile=e.get("profile"),
                        state=e.get("state"), rst_sent=e.get("rst_sent", 0),
                        client=f'{e.get("client")}:{e.get("client_port")}',
                        server=f'{e.get("server")}:{e.get("server_port")}',
                        ping=p["n"] if p else None,
                        at=(t - p["t_sent"]) if p else None,
                        # The idle time at the cut, unscaled: "+300 s" of the verdict. (The
                        # time since the Ping went out adds the request's few ms, which the
                        # time scale would magnify.)
                        idle=e.get("idle_seconds"),
                        at_real=e["idle_seconds"] / scale if "idle_seconds" in e else None))
    r["expired"] = exp
    cuts = [e for e in exp if e["rst_sent"]]
    r["cut_pairs"] = sorted({e["pair"] for e in cuts})
    # Captures on both sides of each pair: RSTs, and whether an end sent one itself
    # (an RST whose source is the end on that capture's side).
    caps = {"lb": (("lb-client", m["phone_ip"]), ("lb-proxy", m["nginx_ip"])),
            "inline": (("proxy", m["proxy_ip"]), ("backend", m["backend_ip"]))}
    r["captures"] = {}
    for pair, sides in caps.items():
        for name, own in sides:
            rs = pcap_rsts(os.path.join(d, name + ".pcap"))
            r["captures"][name] = dict(pair=pair, rst=len(rs),
                                       own=sum(1 for x in rs if x[1] == own),
                                       lines=[x[2] for x in rs])
    r["bypass_packets"] = len(tcpdump(os.path.join(d, "bypass.pcap"), "tcp port 80"))
    r["lb_packets"] = len(tcpdump(os.path.join(d, "lb-proxy.pcap"), "tcp port 80"))
    try:
        with open(os.path.join(d, "nginx-error.log")) as f:
            r["nginx_resets"] = sum(1 for ln in f if NGINX_RESET in ln and "upstream" in ln)
    except OSError:
        r["nginx_resets"] = 0
    # The phone's resync and what the backend re-sent for it.
    r["resync"] = bool(summ.get("resync"))
    r["resync_after"] = summ.get("resync_after_500s")
    r["phone_items"] = summ.get("items_received") or {}
    fs = [b for b in backend if b.get("event") == "foldersync" and b.get("synckey") == "0"]
    sy = [b for b in backend if b.get("event") == "sync"]
    r["backend_foldersync0"] = len(fs)
    r["backend_sync0"] = sorted(b["folder_class"] for b in sy if b.get("synckey") == "0"
                                and b.get("folder_class"))
    r["resent"] = {b["folder_class"]: b["items"] for b in sy if b.get("resent")}
    r["resent_bytes"] = sum(b["bytes"] for b in sy if b.get("resent")) + \
        sum(b["bytes"] for b in fs)

    why = []
    n500 = [p for p in pings if p["status"] == 500]
    statuses = [p["status"] for p in pings]
    if not pings:
        why.append("the phone sent no Ping (no phone.jsonl lines)")
    if m["expect_cut_by"]:
        tmo = min(m["pairs"][x]["timeout"] for x in m["expect_cut_by"])
        if statuses != [500] * m["resync_after"]:
            why.append(f"Ping statuses {statuses}, expected {m['resync_after']} x 500")
        late = [p for p in n500 if not tmo - EARLY <= p["elapsed"] <= tmo + LATE]
        if late:
            why.append("500 not at the %g s timeout: after %s" % (
                tmo, ", ".join(fmt_s(p["elapsed"]) for p in late)))
        if r["cut_pairs"] != sorted(m["expect_cut_by"]):
            why.append(f"RSTs from pairs {r['cut_pairs'] or 'none'}, expected "
                       f"{sorted(m['expect_cut_by'])} only")
        bad = [e for e in cuts if e["at"] is None or not tmo - EARLY <= e["at"] <= tmo + LATE]
        if bad:
            why.append("a cut not at the timeout: " + ", ".join(
                f"{e['pair']} at {fmt_s(e['at'])}" for e in bad))
        if len(cuts) != len(pings) or any(e["rst_sent"] != 2 for e in cuts):
            why.append(f"{len(cuts)} expiries with RSTs for {len(pings)} Pings (expected one "
                       "each, 2 RSTs: reset-both)")
        for name, c in r["captures"].items():
            want = c["pair"] in m["expect_cut_by"]
            if want and c["rst"] != len(pings):
                why.append(f"{c['rst']} RSTs in {name}.pcap, expected {len(pings)}")
            if not want and c["rst"]:
                why.append(f"{c['rst']} RSTs in {name}.pcap ({c['pair']} pair), expected none")
            if c["own"]:
                why.append(f"an end sent {c['own']} RST itself ({name}.pcap)")
        if r["nginx_resets"] != len(n500):
            why.append(f"nginx logged {r['nginx_resets']} upstream resets (104) for "
                       f"{len(n500)} HTTP 500s")
        if not r["resync"] or r["resync_after"] != m["resync_after"]:
            got = f"after {r['resync_after']}" if r["resync"] else "never"
            why.append(f"full resync {got}, expected after {m['resync_after']} x 500")
        if r["backend_foldersync0"] != 1 or r["backend_sync0"] != ["Calendar", "Contacts", "Email"]:
            why.append(f"backend saw FolderSync 0 x {r['backend_foldersync0']} and Sync 0 for "
                       f"{r['backend_sync0']}, expected once and mail, contacts, calendar")
        if sorted(r["resent"]) != ["Calendar", "Contacts", "Email"] or \
                r["resent"] != r["phone_items"]:
            why.append(f"backend re-sent {r['resent']}, the phone got {r['phone_items']}")
    else:
        for p in pings:
            if (p["status"], p["ping_status"]) != (200, 1):
                why.append(f"Ping {p['n']}: HTTP {p['status']} (Ping Status "
                           f"{p['ping_status']}), expected 200 with Ping Status 1")
            elif not p["hold"] - EARLY <= p["elapsed"] <= p["hold"] + LATE:
                why.append(f"Ping {p['n']} answered after {fmt_s(p['elapsed'])}, not at its "
                           f"{p['hold']:g} s heartbeat")
        if len(pings) != m["max_pings"]:
            why.append(f"{len(pings)} Pings, expected {m['max_pings']}")
        if cuts or any(c["rst"] for c in r["captures"].values()):
            why.append(f"RSTs: from pairs {r['cut_pairs']}, in captures " + ", ".join(
                f"{k} {c['rst']}" for k, c in r["captures"].items()))
        if r["resync"] or r["backend_foldersync0"] or r["backend_sync0"]:
            why.append("the phone resynced")
    # Where the phone's traffic went: through the lb pair, or around it.
    if m["via"] == "bypass" and (r["lb_packets"] or not r["bypass_packets"]):
        why.append(f"phone traffic: {r['lb_packets']} packets through lb, "
                   f"{r['bypass_packets']} around it; expected around only")
    if m["via"] == "lb" and (not r["lb_packets"] or r["bypass_packets"]):
        why.append(f"phone traffic: {r['lb_packets']} packets through lb, "
                   f"{r['bypass_packets']} around it; expected through lb only")
    if not r["summary"]:
        why.append("no counter summary from idlecut")
    r["verdict"] = "FAIL" if why else "PASS"
    r["why"] = why

    # The sentences of the verdict.
    def role(pair):
        pm = m["pairs"].get(pair, {})
        return f"{pair} ({ROLES.get(pair, 'pair')} {pm.get('vlan')}, {pm.get('profile')})"

    parts = []
    for pair in sorted(m["pairs"], key=lambda x: x != "inline"):
        pc = [e for e in cuts if e["pair"] == pair]
        if pc:
            ats = sorted({round(e["at_real"]) for e in pc if e["at_real"] is not None})
            parts.append(f"cut by: {role(pair)} at " + ", ".join(f"+{a} s" for a in ats) +
                         (f" ({len(pc)} times, once per Ping)" if len(pc) > 1 else ""))
    for pair in sorted(m["pairs"]):
        if not any(e["pair"] == pair for e in cuts):
            parts.append(f"{pair}: no RST" + (" (not on the phone's path)"
                                              if pair == "lb" and m["via"] == "bypass" else ""))
    r["cut_by"] = "; ".join(parts) if cuts else "cut by: nobody; " + "; ".join(parts)
    r["chain"] = CHAIN if n500 and r["nginx_resets"] else None
    if r["resync"]:
        tot = sum(r["resent"].values())
        r["resync_text"] = (f"full resync: yes, after {r['resync_after']} 500s (backend "
                            f"re-sent {tot} items, {r['resent_bytes']} bytes: " +
                            ", ".join(f"{k} {v}" for k, v in sorted(r["resent"].items())) + ")")
    else:
        r["resync_text"] = "full resync: no"
    r["replay"] = replay_matrix(d, m)
    return r


def cmd_path_table(out, variants):
    rows = [judge_path(os.path.join(out, v)) for v in variants]
    hdr = ("variant", "phone via", "lb timeout", "inline timeout", "Pings (HTTP, after)",
           "cut by", "full resync", "verdict")
    table = []
    for r in rows:
        sc = r["scale"]

        def tmo(pair):
            p = r["pairs"].get(pair, {})
            return f"{p.get('timeout_real', 0):g} s" + (f" ({p.get('timeout', 0):g})"
                                                         if sc != 1 else "")
        pings = " ".join(f"{p['status'] or 'none'}@{p['elapsed']:.2f}" for p in r["pings"])
        cut = ", ".join(r["cut_pairs"]) or "nobody"
        rs = f"yes, after {r['resync_after']}" if r["resync"] else "no"
        table.append((r["variant"], "lb pair" if r["via"] == "lb" else "around lb",
                      tmo("lb"), tmo("inline"), pings, cut, rs, r["verdict"]))
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
        print(f"  {r['cut_by']}")
        if r["chain"]:
            print(f"  {r['chain']}")
        print(f"  {r['resync_text']}")
        print(f"  phone       {d}/phone.jsonl ({len(r['pings'])} Pings: " + ", ".join(
            f"heartbeat {p['heartbeat']} s -> {p['status'] or p['error']}" for p in r["pings"])
            + ")")
        print(f"  backend log {d}/backend.log")
        for e in r["expired"]:
            if e["rst_sent"]:
                print(f"  events      {d}/events.jsonl: pair {e['pair']} VLAN {e['vlan']} "
                      f"profile {e['profile']} {e['state']}, rst_sent={e['rst_sent']}, "
                      f"{e['client']} -> {e['server']}, +{e['at']:.2f} s into Ping {e['ping']}")
        print(f"  nginx       {d}/nginx-error.log: {r['nginx_resets']} x \"recv() failed "
              f"{NGINX_RESET} while reading response header from upstream\"")
        for name, c in r["captures"].items():
            print(f"  capture     {d}/{name}.pcap ({c['pair']} pair): {c['rst']} RST"
                  + (f", {c['own']} sent by the end itself" if c["own"] else ""))
        print(f"  capture     {d}/bypass.pcap (veth around lb): {r['bypass_packets']} packets "
              f"to/from nginx :80")
        if r["replay"] is None:
            print("  replay      not available (idlecut-replay is not in this build)")
        else:
            for line in r["replay"]:
                print(f"  replay      {d}/backend.pcap (less idlecut's RSTs): {line}")
    ok = all(r["verdict"] == "PASS" for r in rows)
    with open(os.path.join(out, "verdict-path.json"), "w") as f:
        json.dump(rows, f, indent=1)
    return 0 if ok else 1


def cmd_phone(path):
    lines = jlines(path)
    pings = [x for x in lines if x.get("event") == "ping"]
    s = next((x for x in lines if x.get("event") == "summary"), None)
    if not s:
        print("no summary from the phone")
        return 0
    print(", ".join(f"Ping {p['n']} (heartbeat {p['heartbeat']} s): "
                    + (f"HTTP {p['status']} after {p['elapsed']} s" if p["status"]
                       else f"no answer ({p.get('error')})") for p in pings))
    if s.get("resync"):
        print(f"full resync after {s['resync_after_500s']} consecutive 500s: items "
              f"{s['items_received']}")
    else:
        print("no resync")
    return 0


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
    if len(sys.argv) >= 3 and sys.argv[1] == "pairs":
        return cmd_pairs(sys.argv[2])
    if len(sys.argv) >= 3 and sys.argv[1] == "phone":
        return cmd_phone(sys.argv[2])
    if len(sys.argv) >= 4 and sys.argv[1] == "path-table":
        return cmd_path_table(sys.argv[2], sys.argv[3:])
    if len(sys.argv) >= 4 and sys.argv[1] == "table":
        return cmd_table(sys.argv[2], sys.argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
