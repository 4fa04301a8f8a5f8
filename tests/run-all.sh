#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build and run every test; ends with "N passed, N failed".
#   1. the normal build: unit, dataplane (EAL, no root), e2e (root, TAP in namespaces),
#      lab (the seed-case reproduction), fuzz (short libFuzzer runs)
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build: unit, dataplane and e2e
#      again (but dumpcap: a non-ASan secondary process cannot map an ASan primary's
#      memory); a leak, an overflow or undefined behaviour fails the test
#   bash tests/run-all.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
ASAN=$ROOT/build-asan
SUITES=(unit dataplane e2e lab fuzz)

bash "$ROOT/scripts/bootstrap.sh" "$BUILD" || exit 1

args=()
for s in "${SUITES[@]}"; do
	[ -n "$(meson test -C "$BUILD" --list --suite "$s" 2>/dev/null)" ] && args+=(--suite "$s")
done
meson test -C "$BUILD" --no-rebuild --print-errorlogs "${args[@]}"
rc=$?
cp "$BUILD/meson-logs/testlog.json" /tmp/idlecut-testlog-normal.json

if [ ! -f "$ASAN/build.ninja" ]; then
	meson setup "$ASAN" "$ROOT" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Db_lto=false >/dev/null || exit 1
fi
ninja -C "$ASAN" >/dev/null || { ninja -C "$ASAN"; exit 1; }
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	meson test -C "$ASAN" --no-rebuild --print-errorlogs --suite unit --suite dataplane \
	--suite e2e --no-suite secondary
rc2=$?

# One closing line that any CI reads, counted from meson's own test logs.
/usr/bin/python3 - /tmp/idlecut-testlog-normal.json "$ASAN/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for path, tag in zip(sys.argv[1:], ("", " (asan+ubsan)")):
    for line in open(path):
        r = json.loads(line)
        if r["result"] in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {r['name']}{tag}: {r['result']}")
# A skipped test is not a pass: count it as a failure (tests must fail loudly, not skip).
print(f"{passed} passed, {failed + skipped} failed")
PY
[ $rc -eq 0 ] && [ $rc2 -eq 0 ]
