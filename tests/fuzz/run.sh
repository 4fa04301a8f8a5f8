#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer targets (clang, ASan + UBSan) in their own build directory if needed,
# replay the inputs of tests/fuzz/regressions/<target>/ once, then fuzz each target for
# SECONDS from a copy of its seed corpus (the committed corpus is never written).
#
#   bash tests/fuzz/run.sh [SECONDS]	# default: $FUZZ_SECONDS, else 60
#
# Environment: FUZZ_SECONDS; FUZZ_BUILD (default <repo>/build-fuzz); FUZZ_KEEP=1 keeps the
# work directory (grown corpus, logs) even when every target passed.
# One process per target, one at a time, on one core: libFuzzer's default in-process mode
# (-jobs/-workers would only move the output to fuzz-N.log files).
# Ends with "N passed, N failed" (targets); exits 1 if a target crashed, hung or leaked.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${FUZZ_BUILD:-$ROOT/build-fuzz}
DURATION=${1:-${FUZZ_SECONDS:-60}}
TARGETS=(packet scenario capture)

# Per target: largest input (a frame and its script; a scenario snippet; a small capture
# file), a dictionary.
declare -A MAX_LEN=([packet]=2048 [scenario]=8192 [capture]=8192)
declare -A DICT=([scenario]=$HERE/scenario.dict)

# The sanitizer's or libFuzzer's report from a log: its first line and the stack under it.
excerpt() {
	local out
	out=$(grep -m 1 -A 24 -E 'ERROR: |runtime error:|timeout after' "$1")
	if [[ -n $out ]]; then
		echo "$out"
	else
		tail -n 30 "$1"
	fi
}

die() {
	echo "run.sh: $*" >&2
	echo "0 passed, ${#TARGETS[@]} failed"
	exit 1
}

[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, not '$DURATION'"
command -v clang >/dev/null ||
	die "clang not found: install clang (apt-get install clang; libFuzzer ships with it)"
for tool in meson ninja; do
	command -v "$tool" >/dev/null || die "$tool not found: install meson ninja-build"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/idlecut-fuzz.XXXXXX") || die "cannot create a work directory"
keep=${FUZZ_KEEP:-0}
cleanup() {
	if [[ $keep == 0 ]]; then
		rm -rf "$WORK"
	else
		echo "work directory kept: $WORK"
	fi
}
trap cleanup EXIT

# libFuzzer itself: Debian's clang has it, some clang builds do not.
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' \
	>"$WORK/probe.c"
clang -fsanitize=fuzzer "$WORK/probe.c" -o "$WORK/probe" 2>"$WORK/probe.log" ||
	die "clang cannot link libFuzzer (-fsanitize=fuzzer): install clang from the distribution" \
		"(Debian's clang package ships libFuzzer): $(head -n 3 "$WORK/probe.log")"

if [[ ! -f $BUILD/build.ninja ]]; then
	echo "== configuring $BUILD (clang, -Dfuzz=true, ASan + UBSan)"
	CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Db_lto=false >"$WORK/setup.log" 2>&1 ||
		{ tail -n 30 "$WORK/setup.log"; die "meson setup $BUILD failed"; }
elif ! grep -q 'fuzz_packet' "$BUILD/build.ninja"; then
	# A build directory made without the option: turn it on (meson fails if it is not clang).
	meson configure "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false ||
		die "cannot enable -Dfuzz=true in $BUILD; remove it or set FUZZ_BUILD"
fi
echo "== building the fuzz targets in $BUILD"
ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/fuzz_}" >"$WORK/build.log" 2>&1 ||
	{ tail -n 40 "$WORK/build.log"; die "building the fuzz targets failed (log above)"; }

# Make every sanitizer finding fatal, whatever the caller's environment (meson test sets some).
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:symbolize=1

passed=0
failed=0
for t in "${TARGETS[@]}"; do
	bin=$BUILD/tests/fuzz/fuzz_$t
	dir=$WORK/$t
	ok=1
	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp -R "$HERE/corpus/$t/." "$dir/corpus/"

	# Known crashers, once each: they must stay fixed.
	shopt -s nullglob
	regs=("$HERE/regressions/$t"/*)
	shopt -u nullglob
	if ((${#regs[@]} > 0)); then
		echo "== fuzz_$t: ${#regs[@]} regression input(s)"
		if ! "$bin" -rss_limit_mb=2048 -timeout=30 "${regs[@]}" >"$dir/regressions.log" 2>&1
		then
			ok=0
			excerpt "$dir/regressions.log"
			echo "FAIL fuzz_$t: a regression input crashes (log: $dir/regressions.log)"
		fi
	fi

	echo "== fuzz_$t: fuzzing for $DURATION s"
	flags=(-max_total_time="$DURATION" -rss_limit_mb=2048 -timeout=30 -max_len="${MAX_LEN[$t]}"
		-artifact_prefix="$dir/artifacts/" -print_final_stats=1)
	[[ -n ${DICT[$t]:-} ]] && flags+=(-dict="${DICT[$t]}")
	"$bin" "${flags[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1
	rc=$?
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/fuzz.log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
	if ((rc != 0)); then
		ok=0
		excerpt "$dir/fuzz.log"
		echo "FAIL fuzz_$t: libFuzzer exited $rc (log: $dir/fuzz.log)"
	fi
	shopt -s nullglob
	for a in "$dir/artifacts"/*; do
		ok=0
		echo "FAIL fuzz_$t: crash input $a ($(stat -c %s "$a") bytes)"
		echo "     reproduce: $bin $a"
	done
	shopt -u nullglob
	if ((ok)); then
		passed=$((passed + 1))
		# "#N DONE cov: C ft: F corp: N/SIZE lim: L exec/s: E rss: R"
		echo "ok   fuzz_$t: ${execs:-?} runs in $DURATION s; ${done_line#*DONE }"
	else
		failed=$((failed + 1))
		keep=1
	fi
done

echo "$passed passed, $failed failed"
((failed == 0))
