# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the end-to-end tests: namespaces, TAP ports, idlecut start/stop.
#
# Topology per pair N (all inside namespaces this test creates, addresses from
# 198.18.0.0/15 and 2001:db8::/32 only):
#
#   ${ID}c<N> [tap i<N>] <== idlecut in ${ID}dp ==> [tap o<N>] ${ID}s<N>
#
# idlecut runs inside its own namespace, so its TAP interfaces never appear in the root
# namespace; once its ports have started, the TAPs are moved to the client and server
# namespaces. Everything is removed on exit, success or not (trap).

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=${IDLECUT_SOURCE_ROOT:-$(cd "$E2E_DIR/../.." && pwd)}
IDLECUT=${IDLECUT:-$SRC_ROOT/build/control/idlecut}
# scapy is a Debian package for the system python, not for any other python on PATH.
PY=/usr/bin/python3
ID=ic$$x
WORK=$(mktemp -d /tmp/idlecut-e2e.XXXXXX)
IC_PID=
NETNS=()
FAILS=0
PASSES=0

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*"; }

die() {
	printf 'FATAL: %s\n' "$*" >&2
	exit 1
}

ok() {
	PASSES=$((PASSES + 1))
	log "ok: $*"
}

fail() {
	FAILS=$((FAILS + 1))
	log "FAIL: $*"
}

# check DESCRIPTION COMMAND...: run a check, count it.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

require() {
	[ "$(id -u)" = 0 ] || die "e2e tests need root (network namespaces and TAP devices)"
	[ -c /dev/net/tun ] || die "/dev/net/tun is missing: TAP ports cannot be created"
	[ -x "$IDLECUT" ] || die "idlecut binary not found at $IDLECUT (build first)"
	local c
	for c in ip "$PY" "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "missing prerequisite: $c (run: bash scripts/bootstrap.sh)"
	done
}

ns_add() {
	ip netns add "$1" || die "cannot create namespace $1"
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

cleanup() {
	local rc=$?
	if [ -n "$IC_PID" ] && kill -0 "$IC_PID" 2>/dev/null; then
		kill -INT "$IC_PID" 2>/dev/null
		for _ in $(seq 1 30); do kill -0 "$IC_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$IC_PID" 2>/dev/null
		wait "$IC_PID" 2>/dev/null
	fi
	local p
	for p in "${EXTRA_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	local ns
	for ns in "${NETNS[@]:-}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	# The EAL run directories of this test's file prefixes (${ID}, ${ID}tp, ...).
	rm -rf "/var/run/dpdk/$ID" "/var/run/dpdk/$ID"[a-z]*
	# Last, once every process is gone: what on_cleanup registered, newest first.
	local i
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[$i]}"
	done
	if [ "${KEEP_WORK:-0}" = 1 ] || [ $rc -ne 0 ] || [ $FAILS -ne 0 ]; then
		log "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
EXTRA_PIDS=()
CLEANUP_CMDS=()
# on_cleanup COMMAND: run COMMAND (a shell string) at exit, after processes and namespaces.
on_cleanup() {
	CLEANUP_CMDS+=("$1")
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Extra EAL options for start_idlecut (e.g. memory options for hugepages).
IC_EAL=()

# start_idlecut SCENARIO [idlecut options...]: run idlecut in ${ID}dp, wait for its ports.
# ${ID}dp is created unless the test made it already (to put interfaces in it first).
start_idlecut() {
	local scn=$1
	shift
	[ -e "/run/netns/${ID}dp" ] || ns_add "${ID}dp"
	# Not through a shell function: $! must be idlecut itself (ip netns exec execs it).
	ip netns exec "${ID}dp" "$IDLECUT" --file-prefix "$ID" "${IC_EAL[@]}" -- \
		--scenario "$scn" "$@" \
		>"$WORK/idlecut.out" 2>"$WORK/idlecut.err" &
	IC_PID=$!
	local i
	for i in $(seq 1 100); do
		grep -q '^idlecut: scenario .* started in' "$WORK/idlecut.out" 2>/dev/null && return 0
		kill -0 "$IC_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/idlecut.err" >&2
	die "idlecut did not start (see $WORK/idlecut.err)"
}

# stop_idlecut: SIGINT, require a clean exit within 1 s; sets IC_RC and IC_STOP_MS.
stop_idlecut() {
	local t0 t1
	t0=$(date +%s%N)
	kill -INT "$IC_PID"
	local i
	for i in $(seq 1 50); do
		kill -0 "$IC_PID" 2>/dev/null || break
		sleep 0.02
	done
	t1=$(date +%s%N)
	IC_STOP_MS=$(((t1 - t0) / 1000000))
	if kill -0 "$IC_PID" 2>/dev/null; then
		IC_RC=timeout
		kill -KILL "$IC_PID"
		wait "$IC_PID" 2>/dev/null
	else
		wait "$IC_PID"
		IC_RC=$?
	fi
	IC_PID=
}

# attach_pair N TAP_IN TAP_OUT: move a pair's TAPs into fresh client/server namespaces
# and address them: client 198.18.N.1/24 + 2001:db8:N::1/64, server .2 / ::2.
attach_pair() {
	local n=$1 tin=$2 tout=$3
	local c=${ID}c$n s=${ID}s$n
	ns_add "$c"
	ns_add "$s"
	nsx "${ID}dp" ip link set "$tin" netns "$c" || die "cannot move $tin"
	nsx "${ID}dp" ip link set "$tout" netns "$s" || die "cannot move $tout"
	nsx "$c" ip addr add "198.18.$n.1/24" dev "$tin"
	nsx "$s" ip addr add "198.18.$n.2/24" dev "$tout"
	nsx "$c" ip -6 addr add "2001:db8:$n::1/64" dev "$tin" nodad
	nsx "$s" ip -6 addr add "2001:db8:$n::2/64" dev "$tout" nodad
	nsx "$c" ip link set "$tin" up
	nsx "$s" ip link set "$tout" up
}

# JSON summary printed at stop (--stats-json): the last JSON line of idlecut's stdout.
final_json() {
	grep '^{' "$WORK/idlecut.out" | tail -n 1
}

# jget EXPR: evaluate a python expression on the final JSON summary as `j`.
jget() {
	final_json | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

finish() {
	log "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# wait_expiries N EVENTS_FILE SECONDS: until N expiries are in the events file (bounded).
wait_expiries() {
	local i
	for i in $(seq 1 $(($3 * 10))); do
		[ "$(grep -c '"event":"expired"' "$2" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# checks_from FILE: count each "ok: ..." / "FAIL: ..." line of a checker's output as a
# check (other lines are logged); a checker that ran no check fails.
checks_from() {
	local line
	while IFS= read -r line; do
		case $line in
		ok:*) ok "${line#ok: }" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) log "$line" ;;
		esac
	done <"$1"
	grep -q '^ok: ' "$1" || fail "the checker ran no check (see $1)"
}
