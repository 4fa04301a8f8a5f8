#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Strict validator of a Prometheus text exposition (format 0.0.4), standard library only.

  prom_check.py [FILE|-]                     validate; exit 0, or 1 with one line per problem
  prom_check.py [FILE|-] --get 'NAME{l="v"}' validate, then print that sample's value as
                                             written (repeatable: one value per line)

Rules, beyond what the format itself requires:
  - every family has # HELP and # TYPE, both before its first sample, at most one of each;
  - a family's samples are contiguous (not interleaved with another family's);
  - TYPE is counter, gauge, histogram, summary or untyped;
  - counter samples end in _total and are >= 0 (not NaN);
  - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do
    not start with __; a label appears once per sample; values escape only \\ \" \\n;
  - no series (name and label set) appears twice;
  - histograms: only _bucket/_sum/_count samples; per label set, le values strictly
    increasing, bucket counts non-decreasing, a le="+Inf" bucket equal to _count, and both
    _sum and _count present; summaries: quantile in [0, 1], _sum and _count present;
  - values (and le) are Go-style floats: decimal, +Inf, -Inf or NaN; an optional integer
    timestamp may follow; the text is UTF-8 and ends with a newline.
"""
import argparse
import math
import re
import sys

TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPECIAL = {"+inf": math.inf, "inf": math.inf, "-inf": -math.inf, "nan": math.nan}
TIMESTAMP = re.compile(r"-?[0-9]+")
BLANK = " \t"


class Problem(Exception):
    pass


def parse_float(text):
    """A Go ParseFloat-style number as written in the exposition, or raise Problem."""
    if text.lower() in SPECIAL:
        return SPECIAL[text.lower()]
    if not FLOAT.fullmatch(text):
        raise Problem("'%s' is not a float" % text)
    return float(text)


def parse_labels(text, pos):
    """Labels from text[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        while pos < len(text) and text[pos] in BLANK:
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = LABEL_NAME.match(text, pos)
        if not m:
            raise Problem("bad label name at '%s'" % text[pos:pos + 20])
        name = m.group(0)
        if name.startswith("__"):
            raise Problem("reserved label name '%s'" % name)
        if name in labels:
            raise Problem("label '%s' repeated" % name)
        pos = m.end()
        while pos < len(text) and text[pos] in BLANK:
            pos += 1
        if text[pos:pos + 2] != '="':
            raise Problem("label '%s': expected =\"value\"" % name)
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise Problem("label '%s': unterminated value" % name)
            c = text[pos]
            if c == '"':
                pos += 1
                break
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise Problem("label '%s': bad escape \\%s" % (name, esc))
                value.append("\n" if esc == "n" else esc)
                pos += 2
                continue
            value.append(c)
            pos += 1
        labels[name] = "".join(value)
        while pos < len(text) and text[pos] in BLANK:
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "}":
            raise Problem("expected , or } after label '%s'" % name)


def parse_sample(line):
    """(name, labels, value text, value) of a sample line, or raise Problem."""
    m = METRIC_NAME.match(line)
    if not m:
        raise Problem("bad metric name at '%s'" % line[:40])
    name, pos = m.group(0), m.end()
    labels = {}
    if pos < len(line) and line[pos] == "{":
        labels, pos = parse_labels(line, pos)
    if pos >= len(line) or line[pos] not in BLANK:
        raise Problem("expected blank then a value after %s" % name)
    rest = line[pos:].strip(BLANK).split()
    if len(rest) not in (1, 2):
        raise Problem("expected a value and at most a timestamp after %s" % name)
    if len(rest) == 2 and not TIMESTAMP.fullmatch(rest[1]):
        raise Problem("timestamp '%s' is not an integer" % rest[1])
    return name, labels, rest[0], parse_float(rest[0])


def series_key(name, labels):
    """NAME{a="1",b="2"} with the labels sorted (unescaped values), or NAME alone."""
    if not labels:
        return name
    return name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"


class Family:
    def __init__(self, name):
        self.name = name
        self.help = False
        self.type = None
        self.sampled = False
        self.closed = False
        self.groups = {}  # histogram/summary: key of labels without le/quantile -> state


class Checker:
    def __init__(self, where):
        self.where = where
        self.problems = []
        self.families = {}
        self.series = {}  # series key -> value text
        self.current = None

    def problem(self, lineno, msg):
        self.problems.append("%s:%s: %s" % (self.where, lineno, msg) if lineno
                             else "%s: %s" % (self.where, msg))

    def family_of(self, name):
        """The family a sample name belongs to and its suffix ('' for plain samples)."""
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix):
                fam = self.families.get(name[:-len(suffix)])
                if fam is not None and fam.type in ("histogram", "summary"):
                    return fam, suffix
        return self.families.get(name), ""

    def comment(self, lineno, line):
        parts = line[1:].lstrip(BLANK).split(None, 2)
        if not parts or parts[0] not in ("HELP", "TYPE"):
            return  # an ordinary comment
        if len(parts) < 2 or not METRIC_NAME.fullmatch(parts[1]):
            raise Problem("%s: bad metric name" % parts[0])
        fam = self.families.setdefault(parts[1], Family(parts[1]))
        if fam.sampled:
            raise Problem("%s for %s after its samples" % (parts[0], fam.name))
        if parts[0] == "HELP":
            if fam.help:
                raise Problem("second HELP for %s" % fam.name)
            fam.help = True
            text = parts[2] if len(parts) > 2 else ""
            i = text.find("\\")
            while i >= 0:
                if text[i + 1:i + 2] not in ("\\", "n"):
                    raise Problem("HELP for %s: bad escape \\%s" % (fam.name, text[i + 1:i + 2]))
                i = text.find("\\", i + 2)
            return
        if fam.type is not None:
            raise Problem("second TYPE for %s" % fam.name)
        kind = parts[2].strip(BLANK) if len(parts) > 2 else ""
        if kind not in TYPES:
            raise Problem("TYPE for %s: unknown type '%s'" % (fam.name, kind))
        fam.type = kind

    def sample(self, lineno, line):
        name, labels, text, value = parse_sample(line)
        fam, suffix = self.family_of(name)
        if fam is None or not fam.help or fam.type is None:
            raise Problem("%s: sample before its family's HELP and TYPE" % name)
        if fam.closed:
            raise Problem("%s: family %s interleaved with another" % (name, fam.name))
        if self.current is not None and self.current is not fam:
            self.current.closed = True
        self.current = fam
        fam.sampled = True
        key = series_key(name, labels)
        if key in self.series:
            raise Problem("duplicate series %s" % key)
        self.series[key] = text
        if fam.type == "counter":
            if not name.endswith("_total"):
                raise Problem("counter %s does not end in _total" % name)
            if math.isnan(value) or value < 0:
                raise Problem("counter %s has value %s" % (key, text))
        elif fam.type == "histogram":
            self.histogram(fam, suffix, name, labels, text, value)
        elif fam.type == "summary":
            self.summary(fam, suffix, name, labels, value)
        elif suffix:
            raise Problem("%s: %s sample with a histogram suffix" % (name, fam.type))

    @staticmethod
    def group(fam, labels, drop):
        key = series_key("", {k: v for k, v in labels.items() if k != drop})
        return fam.groups.setdefault(key, {"key": key, "le": -math.inf, "bucket": 0.0,
                                           "inf": None, "sum": False, "count": None})

    def histogram(self, fam, suffix, name, labels, text, value):
        if not suffix:
            raise Problem("histogram %s: sample %s is not _bucket, _sum or _count"
                          % (fam.name, name))
        g = self.group(fam, labels, "le")
        if suffix == "_bucket":
            if "le" not in labels:
                raise Problem("%s without an le label" % name)
            le = parse_float(labels["le"])
            if math.isnan(le):
                raise Problem("%s: le is NaN" % name)
            if g["sum"] or g["count"] is not None:
                raise Problem("%s%s: bucket after _sum or _count" % (name, g["key"]))
            problem = None
            if not le > g["le"]:
                problem = "%s%s: le %s not increasing" % (name, g["key"], labels["le"])
            elif value < g["bucket"] or math.isnan(value):
                problem = ("%s%s: bucket le=%s count %s below the previous bucket"
                           % (name, g["key"], labels["le"], text))
            # keep the state either way, so one bad bucket is reported once, not again
            # as a missing +Inf
            g["le"], g["bucket"] = max(le, g["le"]), max(value, g["bucket"])
            if math.isinf(le):
                g["inf"] = value
            if problem:
                raise Problem(problem)
        elif "le" in labels:
            raise Problem("%s has an le label" % name)
        elif suffix == "_sum":
            g["sum"] = True
        else:
            g["count"] = value

    def summary(self, fam, suffix, name, labels, value):
        g = self.group(fam, labels, "quantile")
        if not suffix:
            if "quantile" not in labels:
                raise Problem("summary %s: sample without a quantile label" % name)
            q = parse_float(labels["quantile"])
            if not 0 <= q <= 1:
                raise Problem("%s: quantile %s outside [0, 1]" % (name, labels["quantile"]))
        elif suffix == "_bucket":
            raise Problem("summary %s has a _bucket sample" % fam.name)
        elif "quantile" in labels:
            raise Problem("%s has a quantile label" % name)
        elif suffix == "_sum":
            g["sum"] = True
        else:
            g["count"] = value

    def finish(self):
        for fam in self.families.values():
            if not fam.help or fam.type is None:
                self.problem(0, "family %s lacks %s" % (fam.name, "HELP" if not fam.help
                                                           else "TYPE"))
            for g in fam.groups.values():
                where = fam.name + g["key"]
                if not g["sum"] or g["count"] is None:
                    self.problem(0, "%s %s lacks _sum or _count" % (fam.type, where))
                if fam.type != "histogram":
                    continue
                if g["inf"] is None:
                    self.problem(0, "histogram %s lacks a le=\"+Inf\" bucket" % where)
                elif g["count"] is not None and g["inf"] != g["count"]:
                    self.problem(0, "histogram %s: +Inf bucket %g != _count %g"
                                 % (where, g["inf"], g["count"]))

    def run(self, data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.problem(0, "not UTF-8: %s" % e)
            return
        if not text:
            self.problem(0, "empty exposition")
            return
        if not text.endswith("\n"):
            self.problem(0, "does not end with a newline")
        for lineno, line in enumerate(text.split("\n")[:-1] if text.endswith("\n")
                                      else text.split("\n"), 1):
            try:
                if "\r" in line:
                    raise Problem("carriage return in line")
                if not line.strip(BLANK):
                    continue  # the format ignores empty lines
                if line.lstrip(BLANK).startswith("#"):
                    self.comment(lineno, line.lstrip(BLANK))
                else:
                    self.sample(lineno, line)
            except Problem as e:
                self.problem(lineno, str(e))
        self.finish()


def parse_query(query):
    """NAME or NAME{label="value",...} into a series key."""
    m = METRIC_NAME.match(query)
    if not m:
        raise Problem("--get %s: bad metric name" % query)
    labels, pos = {}, m.end()
    if pos < len(query) and query[pos] == "{":
        try:
            labels, pos = parse_labels(query, pos)
        except Problem as e:
            raise Problem("--get %s: %s" % (query, e))
    if pos != len(query):
        raise Problem("--get %s: unexpected '%s'" % (query, query[pos:]))
    return series_key(m.group(0), labels)


def main():
    ap = argparse.ArgumentParser(description="Validate a Prometheus text exposition.")
    ap.add_argument("file", nargs="?", default="-", help="exposition file, - for stdin")
    ap.add_argument("--get", action="append", default=[], metavar='NAME{l="v"}',
                    help="print this sample's value (repeatable)")
    args = ap.parse_args()
    try:
        if args.file == "-":
            data, where = sys.stdin.buffer.read(), "<stdin>"
        else:
            with open(args.file, "rb") as f:
                data, where = f.read(), args.file
        keys = [parse_query(q) for q in args.get]
    except (OSError, Problem) as e:
        print("prom_check: %s" % e, file=sys.stderr)
        return 1
    checker = Checker(where)
    checker.run(data)
    if checker.problems:
        for p in checker.problems:
            print(p, file=sys.stderr)
        return 1
    missing = False
    for q, key in zip(args.get, keys):
        if key in checker.series:
            print(checker.series[key])
        else:
            print("%s: no sample %s" % (where, q), file=sys.stderr)
            missing = True
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
