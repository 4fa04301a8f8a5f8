#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A/B comparison of two idlecut-bench builds in one run, on one CPU: the two binaries
# alternate ROUNDS times (A B A B ...), each run measuring plain and tracking throughput;
# for every flow count and mode B's change against A is printed on the best dataplane
# cycles/packet of each side (noise only slows a run down), on their medians, and as the
# median of each round's B/A.
#
#   bash tests/bench/ab.sh BENCH_A BENCH_B [ROUNDS] [-- idlecut-bench options]
#
# Build revision A somewhere else first, e.g.
#   git worktree add /tmp/ic-a REV && meson setup /tmp/ic-a/build /tmp/ic-a &&
#   ninja -C /tmp/ic-a/build tests/bench/idlecut-bench
#   bash tests/bench/ab.sh /tmp/ic-a/build/tests/bench/idlecut-bench build/tests/bench/idlecut-bench 5
# Default bench options: --flows 1K,1M --phases plain,tracking --seconds 1 --rounds 1.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
A=$1 B=$2
shift 2
ROUNDS=5
if [ $# -gt 0 ] && [ "$1" != "--" ]; then ROUNDS=$1; shift; fi
[ "${1:-}" = "--" ] && shift
OPTS=("$@")
[ ${#OPTS[@]} -gt 0 ] || OPTS=(--flows 1K,1M --phases plain,tracking --seconds 1 --rounds 1)
for x in "$A" "$B"; do [ -x "$x" ] || { echo "ab.sh: $x is not an executable" >&2; exit 2; }; done
OUT=$(mktemp -d /tmp/idlecut-ab.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
for r in $(seq 1 "$ROUNDS"); do
	for side in A B; do
		bin=$A; [ $side = B ] && bin=$B
		echo "ab: round $r/$ROUNDS, $side" >&2
		"$bin" "${OPTS[@]}" --json "$OUT/$side.$r.json" >/dev/null 2>&1 ||
			{ echo "ab.sh: $bin failed" >&2; exit 1; }
	done
done
/usr/bin/python3 - "$OUT" "$ROUNDS" "$A" "$B" <<'PY'
import json, sys, glob
out, rounds, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = {}
paired = {}
machine = None
for side in "AB":
    for f in glob.glob(f"{out}/{side}.*.json"):
        d = json.load(open(f))
        machine = d["machine"]
        for t in d["throughput"]:
            for mode in ("plain", "tracking"):
                if t.get(mode) is None:  # not measured (--phases)
                    continue
                k = (t["flows"], mode)
                r = (t[mode]["dataplane_cycles_per_packet"], t[mode]["mpps"])
                runs.setdefault(side, {}).setdefault(k, []).append(r)
                rnd = int(f.rsplit(".", 2)[1])
                paired.setdefault(k, {}).setdefault(rnd, {})[side] = r[0]

def best(side, k):
    return min(runs[side].get(k, [(float("nan"), float("nan"))]))

def median(side, k):
    c = sorted(x[0] for x in runs[side].get(k, [(float("nan"), 0)]))
    return c[len(c) // 2] if len(c) % 2 else (c[len(c) // 2 - 1] + c[len(c) // 2]) / 2

def pair_median(k):
    r = sorted(v["B"] / v["A"] for v in paired[k].values() if "A" in v and "B" in v)
    return r[len(r) // 2] if len(r) % 2 else (r[len(r) // 2 - 1] + r[len(r) // 2]) / 2

# On a noisy machine the best shows what the code can do, the median what a run gets, and
# the median of each round's B/A (runs seconds apart) cancels the slow drift: a change is
# real only when they move the same way.
print(f"A = {a}\nB = {b}\n{rounds} alternating rounds; CPU {machine['cpu']}")
print(f"{'flows':>8} {'mode':>9} | {'A dp cyc':>9} {'A Mpps':>7} | {'B dp cyc':>9} {'B Mpps':>7} |"
      f" B/A best          | B/A median        | B/A paired")
for k in sorted(runs["A"]):
    ca, ma = best("A", k)
    cb, mb = best("B", k)
    qa, qb = median("A", k), median("B", k)
    print(f"{k[0]:>8} {k[1]:>9} | {ca:9.1f} {ma:7.2f} | {cb:9.1f} {mb:7.2f} |"
          f" {cb / ca:6.3f} ({(cb / ca - 1) * 100:+5.1f} %) | {qb / qa:6.3f} ({(qb / qa - 1) * 100:+5.1f} %)"
          f" | {pair_median(k):6.3f} ({(pair_median(k) - 1) * 100:+5.1f} %)")
PY
