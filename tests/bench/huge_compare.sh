#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# idlecut-bench on hugepages next to without, in one run on one CPU (issue 16): reserves
# 2 MB pages on top of what the system has, mounts a hugetlbfs of its own, alternates the
# two modes ROUNDS times, keeps each figure's best, prints both and their ratio, and writes
# them to JSON; the pages and the mount are given back on any exit.
#
#   bash tests/bench/huge_compare.sh [ROUNDS] [-- idlecut-bench options]
#   (default options: --flows 1K,1M --phases plain,tracking --seconds 1 --rounds 1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$ROOT/build/tests/bench/idlecut-bench}
ROUNDS=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then ROUNDS=$1; shift; fi
[ "${1:-}" = "--" ] && shift
OPTS=("$@")
[ ${#OPTS[@]} -gt 0 ] || OPTS=(--flows 1K,1M --phases plain,tracking --seconds 1 --rounds 1)
[ "$(id -u)" = 0 ] || { echo "huge_compare.sh: needs root (hugepages)" >&2; exit 2; }
[ -x "$BENCH" ] || { echo "huge_compare.sh: $BENCH not built" >&2; exit 2; }
NR=/proc/sys/vm/nr_hugepages
PAGES=${PAGES:-1400} # 2.8 GB: the EAL's 2 GB and the 1M-flow table
OUT=$(mktemp -d /tmp/idlecut-huge.XXXXXX)
BEFORE=$(cat $NR)
MNT=$OUT/huge
cleanup() {
	umount "$MNT" 2>/dev/null || true
	echo "$BEFORE" >$NR
	rm -rf "$OUT"
}
trap cleanup EXIT
echo $((BEFORE + PAGES)) >$NR
GOT=$(($(cat $NR) - BEFORE))
[ "$GOT" -ge "$PAGES" ] || { echo "huge_compare.sh: only $GOT of $PAGES hugepages could be reserved" >&2; exit 1; }
mkdir -p "$MNT"
mount -t hugetlbfs -o pagesize=2M nodev "$MNT"
for r in $(seq 1 "$ROUNDS"); do
	for mode in nohuge huge; do
		echo "huge_compare: round $r/$ROUNDS, $mode" >&2
		extra=()
		[ $mode = huge ] && extra=(--hugepages "$MNT")
		"$BENCH" "${OPTS[@]}" "${extra[@]}" --json "$OUT/$mode.$r.json" >/dev/null 2>&1 ||
			{ echo "huge_compare.sh: $mode run failed" >&2; exit 1; }
		rm -f "$MNT"/* 2>/dev/null || true
	done
done
/usr/bin/python3 - "$OUT" "$ROUNDS" "${JSON:-}" <<'PY'
import glob, json, sys
out, rounds, jpath = sys.argv[1], int(sys.argv[2]), sys.argv[3]
best, mach = {}, {}
for mode in ("nohuge", "huge"):
    for f in glob.glob(f"{out}/{mode}.*.json"):
        d = json.load(open(f))
        mach[mode] = d["machine"]
        for t in d["throughput"]:
            for m in ("plain", "tracking"):
                if m in t:
                    k = (t["flows"], m)
                    v = (t[m]["dataplane_cycles_per_packet"], t[m]["mpps"])
                    if k not in best.setdefault(mode, {}) or v[0] < best[mode][k][0]:
                        best[mode][k] = v
assert mach["huge"]["hugepages"] and not mach["nohuge"]["hugepages"], "a mode ran on the wrong memory"
print(f"{rounds} alternating rounds, best of each; CPU {mach['huge']['cpu']}")
print(f"{'flows':>8} {'mode':>9} | {'no-huge dp cyc':>14} {'Mpps':>6} | {'hugepages dp cyc':>16} {'Mpps':>6} | ratio (cycles)")
res = []
for k in sorted(best["nohuge"]):
    a, b = best["nohuge"][k], best["huge"].get(k, (float("nan"),) * 2)
    print(f"{k[0]:>8} {k[1]:>9} | {a[0]:14.1f} {a[1]:6.2f} | {b[0]:16.1f} {b[1]:6.2f} | {b[0] / a[0]:.3f}")
    res.append(dict(flows=k[0], mode=k[1], nohuge_cycles=a[0], nohuge_mpps=a[1],
                    huge_cycles=b[0], huge_mpps=b[1], ratio_cycles=b[0] / a[0]))
if jpath:
    json.dump(dict(machine=mach["huge"], rounds=rounds, figures=res), open(jpath, "w"), indent=1)
PY
