#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that every PromQL query of a Grafana dashboard names only metrics idlecut exports.

  grafana_check.py DASHBOARD.json --source control/metrics.c   names written in the exporter
  grafana_check.py DASHBOARD.json --exposition metrics.txt     names in a live /metrics scrape

Every "expr" of every panel target, and every templating query, is parsed for metric names
(label matchers, strings, ranges, grouping clauses, function names and Grafana variables
left out); each must be a sample name the exporter writes, and each query must name at
least one. Before that, the extractor checks itself on known queries (a checker that found
nothing would pass anything). Exit 0, or 1 with one line per problem.
"""
import argparse
import json
import re
import sys

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "and", "or", "unless", "inf", "nan", "atan2"}
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr):
    """The metric names a PromQL expression (with Grafana variables) refers to."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    e = re.sub(r"\$\{[^}]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*", " ", e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    # label_values(METRIC, LABEL) and label_values(LABEL): only METRIC is a metric.
    e = re.sub(r"\blabel_values\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)", r" \1 ", e)
    e = re.sub(r"\blabel_values\s*\([^,)]*\)", " ", e)
    names = []
    for m in IDENT.finditer(e):
        tok = m.group(0)
        start = m.start()
        if start > 0 and (e[start - 1].isdigit() or e[start - 1] == "."):
            continue  # the exponent or suffix of a number: 1e3, 0.5
        if re.match(r"\s*\(", e[m.end():]) or tok.lower() in KEYWORDS:
            continue
        names.append(tok)
    return names


def self_test():
    cases = {
        'rate(idlecut_rx_packets_total{instance=~"$instance", port="a/b"}[$__rate_interval])':
            ["idlecut_rx_packets_total"],
        'histogram_quantile(0.99, sum by (le) (rate(idlecut_expiry_lateness_seconds_bucket[5m])))':
            ["idlecut_expiry_lateness_seconds_bucket"],
        '8 * rate(a_total[1m]) / on(port) group_left(x) b_total > 1e3':
            ["a_total", "b_total"],
        'label_values(idlecut_scenario_info, instance)': ["idlecut_scenario_info"],
        'sum without (state) (idlecut_flows_expired_total) or vector(0)':
            ["idlecut_flows_expired_total"],
    }
    for expr, want in cases.items():
        got = metric_names(expr)
        if got != want:
            sys.exit(f"grafana_check.py: self-test: {expr!r} gave {got}, expected {want}")


def exported_from_source(path):
    return set(re.findall(r'"(idlecut_[a-z0-9_]+)"', open(path).read()))


def exported_from_exposition(path):
    names = set()
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            names.add(IDENT.match(line).group(0))
    return names


def queries(node, where="dashboard"):
    """(where, PromQL) for every target expr and templating query in the dashboard."""
    if isinstance(node, dict):
        title = node.get("title") or node.get("name") or where
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield title, v
            elif k == "query" and isinstance(v, str) and "(" in v:
                yield title, v
            elif k == "query" and isinstance(v, dict) and isinstance(v.get("query"), str):
                yield title, v["query"]
            else:
                yield from queries(v, title)
    elif isinstance(node, list):
        for v in node:
            yield from queries(v, where)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dashboard")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--source", help="control/metrics.c")
    src.add_argument("--exposition", help="a /metrics scrape")
    a = ap.parse_args()
    self_test()
    exported = exported_from_source(a.source) if a.source else \
        exported_from_exposition(a.exposition)
    if len(exported) < 10:
        sys.exit(f"grafana_check.py: only {len(exported)} exported names found: wrong file?")
    dash = json.load(open(a.dashboard))
    problems = []
    n = 0
    for where, expr in queries(dash):
        n += 1
        names = metric_names(expr)
        if not names:
            problems.append(f"{where}: query names no metric: {expr}")
        for name in names:
            if name not in exported:
                problems.append(f"{where}: {name} is not exported by idlecut: {expr}")
    if n == 0:
        problems.append("no query found in the dashboard")
    for p in problems:
        print(p)
    if not problems:
        print(f"grafana_check.py: {n} queries, every metric exported")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
