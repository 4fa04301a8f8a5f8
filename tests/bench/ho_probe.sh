#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What a handed-over packet costs, and what bounds the software handoff's efficiency
# (issue 12, README "What limits it"). A benchmark experiment, not a test: prints figures,
# asserts nothing.
#
# Builds a copy of HEAD (committed code only) with tests/bench/ho_probe.patch applied in a
# temporary directory: per-lcore TSC cycles of the receiver's process(), the owner's
# ho_decide(), the receiver's ho_reap() and the bench generator's refill and fill, and the
# switch IDLECUT_HO_PROBE that leaves parts of the handoff out. Then runs
# `idlecut-bench --workers 1,2 --wmodes alone,handoff` for each mode, alternated, ROUNDS
# times, each run with its own single-worker rates (this VM's speed moves between runs):
#
#   0  the handoff as built
#   1  the owner decides nothing: every verdict "forward", its engine never runs (what is
#      left: the receiver's classification, one descriptor line crossing a packet, the
#      verdicts back, the bookkeeping on both sides)
#   5  as 1 with two 32-byte descriptors a line (half as many lines cross)
#   3  as 1 with nothing crossing but the ring indexes and verdicts (the descriptors go
#      to a scratch line of the receiver's): the floor of a handoff in which the receiver
#      finds the owner by parsing and hashing the frame
#
# Modes 1, 5 and 3 forward frames nobody tracked: figures of cost, not a way to run.
#
#   bash tests/bench/ho_probe.sh [ROUNDS] [-- idlecut-bench options]
#
# Defaults: 3 rounds, --flows 1K,64K,1M --rounds 2. Needs meson, ninja, patch, python3
# (and what the project builds with). Wall benchmarks take /tmp/idlecut-bench.lock.
set -euo pipefail

rounds=3
if [[ $# -gt 0 && $1 != -- ]]; then
	rounds=$1
	shift
fi
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ho_probe: ROUNDS must be a positive number, not '$rounds'" >&2; exit 2; }
[[ $# -gt 0 && $1 == -- ]] && shift
opts=("$@")
[[ ${#opts[@]} -gt 0 ]] || opts=(--flows 1K,64K,1M --rounds 2)
modes=(0 1 5 3)

src=$(cd "$(dirname "$0")/../.." && pwd)
for t in meson ninja patch python3 git; do
	command -v "$t" >/dev/null || { echo "ho_probe: needs $t" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/idlecut-hoprobe.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

git -C "$src" archive HEAD | tar -x -C "$tmp"
if ! patch -s -d "$tmp" -p1 <"$src/tests/bench/ho_probe.patch"; then
	echo "ho_probe: tests/bench/ho_probe.patch no longer applies to HEAD: update it" >&2
	exit 1
fi
echo "ho_probe: building the probe of $(git -C "$src" rev-parse --short HEAD) in $tmp" >&2
meson setup "$tmp/build" "$tmp" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; exit 1; }
ninja -C "$tmp/build" tests/bench/idlecut-bench >"$tmp/build.log" 2>&1 || {
	tail -30 "$tmp/build.log" >&2
	exit 1
}
bench=$tmp/build/tests/bench/idlecut-bench

for r in $(seq 1 "$rounds"); do
	for m in "${modes[@]}"; do
		echo "ho_probe: round $r/$rounds, mode $m" >&2
		IDLECUT_HO_PROBE=$m flock -x /tmp/idlecut-bench.lock "$bench" --workers 1,2 \
			--wmodes alone,handoff "${opts[@]}" --json "$tmp/m$m.r$r.json" \
			>"$tmp/m$m.r$r.log" 2>&1 || {
			tail -20 "$tmp/m$m.r$r.log" >&2
			exit 1
		}
	done
done

python3 - "$tmp" "$rounds" "${modes[@]}" <<'EOF'
import json, re, statistics, sys

tmp, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names = {"0": "as built", "1": "owner idle", "5": "owner idle, 2 a line",
         "3": "owner idle, nothing crosses"}
eff, agg, probe = {}, {}, {}
for m in modes:
    for r in range(1, rounds + 1):
        d = json.load(open(f"{tmp}/m{m}.r{r}.json"))
        for run in d["workers"]["runs"]:
            k = (m, run["flows"])
            eff.setdefault(k, []).append(run["handoff"]["efficiency"])
            agg.setdefault(k, []).append(run["handoff"]["aggregate_mpps"])
        # The probe's lines of the last handoff round of each flow count (both workers).
        for line in open(f"{tmp}/m{m}.r{r}.log"):
            g = re.search(r"probe (\S+) handoff worker (\d+): (.*)", line)
            if g:
                probe[(m, g.group(1), g.group(2))] = g.group(3)
flows = sorted({f for (_, f) in eff})
print(f"software handoff, 2 workers: median of {rounds} runs (min-max), efficiency = "
      "aggregate / sum of the single-worker rates of the same run")
print(f"{'mode':>4} {'':28}" + "".join(f" | {f:>8} flows: agg Mpps, eff      " for f in flows))
for m in modes:
    row = f"{m:>4} {names.get(m, ''):28}"
    for f in flows:
        e, a = eff[(m, f)], agg[(m, f)]
        row += (f" | {statistics.median(a):6.2f} {statistics.median(e):5.2f}"
                f" ({min(e):4.2f}-{max(e):4.2f})     ")
    print(row)
print("\nTSC cycles by stage, last round (process: per frame received; decide, reap: per "
      "descriptor):")
for (m, lbl, wk), text in sorted(probe.items()):
    print(f"  mode {m} {lbl:>4} worker {wk}: {text}")
EOF
