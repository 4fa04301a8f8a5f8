#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# idlecut-replay speed from a file on one core: a generated capture of 60-byte frames (64
# on the wire) per flow count, replayed against the F5 preset; prints packets/s and ns per
# packet per count (target: >= 5 M/s at 1M flows). A benchmark, not a test:
# `meson test --benchmark -C build idlecut-replay`, or by hand:
#   REPLAY_BENCH_FLOWS="1000 1000000" REPLAY_BENCH_PACKETS=8000000 bash tests/bench/replay_bench.sh
# The capture files (about 76 bytes a record) go to $TMPDIR and are removed at the end.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REPLAY=${IDLECUT_REPLAY:-$ROOT/build/replay/idlecut-replay}
GEN=${REPLAY_GEN:-$ROOT/build/tests/bench/replay-gen}
FLOWS=${REPLAY_BENCH_FLOWS:-1000 1000000}
PACKETS=${REPLAY_BENCH_PACKETS:-8000000}
CPU=${REPLAY_BENCH_CPU:-0}
for b in "$REPLAY" "$GEN"; do
	[ -x "$b" ] || { echo "replay_bench: $b not found (build first)" >&2; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/idlecut-replay-bench.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

printf '%10s %10s %10s %12s %10s\n' flows packets seconds packets/s ns/packet
rc=0
for n in $FLOWS; do
	p=$PACKETS
	[ "$p" -lt $((4 * n)) ] && p=$((4 * n))
	"$GEN" "$n" "$p" "$WORK/bench.pcap" || { rc=1; continue; }
	# Read once first, so the file is in the page cache: the figure is the replay's.
	cat "$WORK/bench.pcap" >/dev/null
	line=$(taskset -c "$CPU" "$REPLAY" --preset f5-fastl4 --quiet "$WORK/bench.pcap" 2>&1 \
		>/dev/null | grep 'replayed .* packets/s')
	if [[ $line =~ replayed\ ([0-9]+)\ packets\ in\ ([0-9.]+)\ s:\ ([0-9]+)\ packets/s ]]; then
		printf '%10s %10s %10s %12s %10s\n' "$n" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
			"${BASH_REMATCH[3]}" "$(awk -v p="${BASH_REMATCH[3]}" \
				'BEGIN { printf "%.1f", (p > 0 ? 1e9 / p : 0) }')"
	else
		echo "replay_bench: no figure from idlecut-replay at $n flows" >&2
		rc=1
	fi
	rm -f "$WORK/bench.pcap"
done
exit $rc
