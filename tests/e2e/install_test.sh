#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# meson install into a temporary DESTDIR: idlecut (and idlecut-replay when the build has
# that target) in bindir, every preset in $datadir/idlecut/configs identical to the
# source, idlecut(1) in man1 rendering without a warning and documenting every option
# --help lists; the installed binary prints its version and DPDK's without starting EAL,
# and validates an installed preset. No root needed.
. "$(dirname "$0")/lib.sh"
BUILD=${IDLECUT_BUILD_ROOT:-$SRC_ROOT/build}
for c in meson man pkg-config "$PY"; do
	command -v "$c" >/dev/null 2>&1 || die "missing prerequisite: $c (run: bash scripts/bootstrap.sh)"
done
[ -f "$BUILD/build.ninja" ] || die "no build directory at $BUILD"

DEST=$WORK/dest
meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; die "meson install failed"; }
opt() { # opt NAME: a build option's value (prefix, bindir, datadir, mandir)
	meson introspect "$BUILD" --buildoptions |
		"$PY" -c "import json,sys; print([o['value'] for o in json.load(sys.stdin) if o['name']=='$1'][0])"
}
abs() { case $1 in /*) echo "$DEST$1" ;; *) echo "$DEST$PREFIX/$1" ;; esac; }
PREFIX=$(opt prefix)
BIN=$(abs "$(opt bindir)")
DATA=$(abs "$(opt datadir)")
MAN=$(abs "$(opt mandir)")
log "prefix $PREFIX, installed into $DEST"

check "bin/idlecut is installed and executable" [ -x "$BIN/idlecut" ]
if meson introspect "$BUILD" --targets | "$PY" -c \
	"import json,sys; sys.exit(0 if any(t['name']=='idlecut-replay' for t in json.load(sys.stdin)) else 1)"; then
	check "bin/idlecut-replay is installed (the build has that target)" [ -x "$BIN/idlecut-replay" ]
	if [ -f "$SRC_ROOT/doc/idlecut-replay.1" ]; then
		RPAGE=$MAN/man1/idlecut-replay.1
		check "idlecut-replay(1) is installed" [ -f "$RPAGE" ]
		rman_ok() {
			MANWIDTH=100 man --warnings -l "$RPAGE" >"$WORK/rman.txt" 2>"$WORK/rman.err" &&
				[ ! -s "$WORK/rman.err" ] && [ -s "$WORK/rman.txt" ]
		}
		check "man -l renders idlecut-replay(1) without error or warning" rman_ok
		rmissing=
		for o in $("$BIN/idlecut-replay" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "$o" "$WORK/rman.txt" || rmissing="$rmissing $o"
		done
		check "idlecut-replay(1) documents every option of its --help${rmissing:+ (missing:$rmissing)}" \
			[ -z "$rmissing" ]
	fi
else
	log "no idlecut-replay target in this build: not expected in bin/"
fi
n=0
for f in "$SRC_ROOT"/configs/*.yaml; do
	n=$((n + 1))
	cmp -s "$f" "$DATA/idlecut/configs/$(basename "$f")" || fail "preset $(basename "$f") missing or different in $DATA/idlecut/configs"
done
check "all $n presets are in share/idlecut/configs" [ "$(ls "$DATA/idlecut/configs"/*.yaml | wc -l)" = "$n" ]

PAGE=$MAN/man1/idlecut.1
check "idlecut(1) is installed" [ -f "$PAGE" ]
man_ok() {
	MANWIDTH=100 man --warnings -l "$PAGE" >"$WORK/man.txt" 2>"$WORK/man.err" &&
		[ ! -s "$WORK/man.err" ] && [ -s "$WORK/man.txt" ]
}
check "man -l renders idlecut(1) without error or warning" man_ok
[ -s "$WORK/man.err" ] && cat "$WORK/man.err"
check "the page has the installed presets' path and version filled in" \
	grep -q "$PREFIX.*/idlecut/configs" "$WORK/man.txt"
check "... and no @TOKEN@ left" [ "$(grep -c '@[A-Z]*@' "$PAGE")" = 0 ]
for s in SYNOPSIS OPTIONS SCENARIO SIGNALS "EXIT STATUS" FILES; do
	check "the page has a $s section" grep -q "^$s" "$WORK/man.txt"
done
missing=
for o in $("$BIN/idlecut" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "$o" "$WORK/man.txt" || missing="$missing $o"
done
check "the page documents every option of --help${missing:+ (missing:$missing)}" [ -z "$missing" ]

version() { "$BIN/idlecut" --version >"$WORK/version.out" 2>"$WORK/version.err"; }
check "installed idlecut --version exits 0" version
VERSION=$(meson introspect "$BUILD" --projectinfo | "$PY" -c "import json,sys; print(json.load(sys.stdin)['version'])")
check "--version prints idlecut's version ($VERSION)" [ "$(sed -n 1p "$WORK/version.out")" = "idlecut $VERSION" ]
check "--version prints the DPDK version ($(pkg-config --modversion libdpdk))" \
	[ "$(sed -n 2p "$WORK/version.out")" = "DPDK $(pkg-config --modversion libdpdk)" ]
no_eal() { [ ! -s "$WORK/version.err" ] && ! grep -q EAL "$WORK/version.out"; }
check "--version does not start EAL" no_eal
check "installed idlecut validates an installed preset" \
	"$BIN/idlecut" --scenario "$DATA/idlecut/configs/f5-fastl4.yaml" --check
finish
