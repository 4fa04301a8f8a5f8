#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build and run every test (unit and e2e); ends with "N passed, N failed".
#   bash tests/run-all.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build

bash "$ROOT/scripts/bootstrap.sh" "$BUILD" || exit 1

meson test -C "$BUILD" --no-rebuild --print-errorlogs --suite unit --suite dataplane --suite e2e
rc=$?

# One closing line that any CI reads: counted from meson's own test log.
/usr/bin/python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
# A skipped test is not a pass: count it as a failure (tests must fail loudly, not skip).
print(f"{passed} passed, {failed + skipped} failed")
PY
exit $rc
