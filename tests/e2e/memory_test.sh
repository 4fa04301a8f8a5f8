#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Memory on a real box (SPEC §12): with free hugepages on a mounted hugetlbfs, idlecut's
# default EAL arguments use them, the mbuf pool and the flow table live on them (the table
# as a MAP_HUGETLB mapping, seen in /proc/PID/maps), and the pages come back at exit; free
# hugepages without a hugetlbfs mount fall back to --no-huge with a note; the pool is sized
# from the rings (--rx-desc/--tx-desc) or set by --mbufs; bad values and {pci:} ports
# without hugepages are one-line errors.
#
# The test reserves HUGE_PAGES 2 MiB pages (and gives them back, even on failure) and
# mounts hugetlbfs only in a private mount namespace of its own.
. "$(dirname "$0")/lib.sh"
require unshare mount
HP=/proc/sys/vm/nr_hugepages
HP2=/sys/kernel/mm/hugepages/hugepages-2048kB
[ -w "$HP2/nr_hugepages" ] || die "cannot reserve 2 MiB hugepages ($HP2/nr_hugepages not writable)"
N=${HUGE_PAGES:-256}
free2() { cat "$HP2/free_hugepages"; }
RESERVED=0
give_back() {
	# Relative, so another test's reservation made meanwhile is left alone.
	if [ "$RESERVED" -gt 0 ]; then
		echo $(($(cat "$HP2/nr_hugepages") - RESERVED)) >"$HP2/nr_hugepages"
		RESERVED=0
	fi
}
trap '_rc=$?; give_back; (exit $_rc); cleanup' EXIT
FREE0=$(free2)
echo $(($(cat "$HP2/nr_hugepages") + N)) >"$HP2/nr_hugepages"
RESERVED=$N
[ $(($(free2) - FREE0)) -ge "$N" ] || die "could reserve only $(($(free2) - FREE0)) of $N hugepages"
FREE1=$(free2)
log "reserved $N hugepages ($FREE1 free)"

cat >"$WORK/scn.yaml" <<YAML
name: memory-e2e
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
flow_table: {capacity: 100000}
profiles:
  p: {on_timeout: silent}
default_profile: p
YAML
ns_add "${ID}dp"
mkdir -p "$WORK/huge"

# run_ic MOUNT(1|0) NAME [idlecut options]: start idlecut in ${ID}dp with the default EAL
# memory arguments, in a private mount namespace (with hugetlbfs on $WORK/huge if MOUNT).
# A shell stays in that namespace until idlecut exits, then lists what idlecut left in the
# hugetlbfs (NAME.left) before the namespace, and its mount, go away.
OUTER=
run_ic() {
	local mnt=$1 name=$2
	shift 2
	local pre=true
	[ "$mnt" = 1 ] && pre="mount -t hugetlbfs -o pagesize=2M nodev '$WORK/huge'"
	rm -f "$WORK/$name.pid"
	unshare -m --propagation private bash -c "$pre || exit 99
		ip netns exec '${ID}dp' '$IDLECUT' --file-prefix '$ID$name' -- \
			--scenario '$WORK/scn.yaml' $* >'$WORK/$name.out' 2>'$WORK/$name.err' &
		echo \$! >'$WORK/$name.pid'
		wait \$!
		rc=\$?
		ls '$WORK/huge' >'$WORK/$name.left'
		exit \$rc" &
	OUTER=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$WORK/$name.pid" ] && IC_PID=$(cat "$WORK/$name.pid")
		grep -q '^idlecut: scenario .* started in' "$WORK/$name.out" 2>/dev/null && return 0
		kill -0 "$OUTER" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/$name.err" >&2
	die "idlecut ($name) did not start"
}
# stop_ic: SIGINT to idlecut, its exit status in IC_RC (through the namespace's shell).
stop_ic() {
	kill -INT "$IC_PID"
	wait "$OUTER"
	IC_RC=$?
	IC_PID=
}
# none_left NAME: the run's listing of the hugetlbfs after it exited is there and empty.
none_left() { [ -f "$WORK/$1.left" ] && [ ! -s "$WORK/$1.left" ]; }
started() { grep '^idlecut: scenario .* started in' "$WORK/$1.out"; }

# 1. Hugepages free and mounted: used by EAL, the pool and the flow table.
run_ic 1 huge
log "$(started huge)"
check "the start line says the mbuf pool is on hugepages" \
	grep -q 'mbufs (hugepages, socket [0-9]*)' <(started huge)
check "the start line says the flow table is on hugepages" \
	grep -q 'flow table 100000 flows (.*, hugepages)' <(started huge)
check "the process maps a MAP_HUGETLB table (anon_hugepage in /proc/PID/maps)" \
	grep -q 'anon_hugepage' "/proc/$IC_PID/maps"
USED=$((FREE1 - $(free2)))
check "it holds hugepages while it runs ($USED pages)" [ "$USED" -gt 10 ]
check "the default pool is 16383 mbufs for one pair of 1024-descriptor rings" \
	grep -q ' 16383 mbufs ' <(started huge)
stop_ic
check "it stops cleanly (exit 0)" [ "$IC_RC" = 0 ]
check "its hugepage files are gone from the hugetlbfs after exit" none_left huge
check "every hugepage is free again ($(free2) of $FREE1)" [ "$(free2)" = "$FREE1" ]

# 2. The pool follows the rings, or --mbufs.
run_ic 1 rings --rx-desc 4096 --tx-desc 4096
check "--rx-desc/--tx-desc 4096: the pool grows to 32767 mbufs" grep -q ' 32767 mbufs ' <(started rings)
stop_ic
run_ic 1 mbufs --mbufs 50000
check "--mbufs 50000 gives 50000 mbufs" grep -q ' 50000 mbufs ' <(started mbufs)
stop_ic
run_ic 1 small --mbufs 3000
check "--mbufs below what the rings and caches hold is warned about" \
	grep -q 'warning: --mbufs 3000 is below the 16383' "$WORK/small.err"
stop_ic
# A failed start (the pool cannot fill the RX rings) gives its pages back too.
unshare -m --propagation private bash -c "mount -t hugetlbfs -o pagesize=2M nodev '$WORK/huge' || exit 99
	ip netns exec '${ID}dp' '$IDLECUT' --file-prefix '${ID}fail' -- --scenario '$WORK/scn.yaml' \
		--mbufs 1023 >'$WORK/fail.out' 2>'$WORK/fail.err'
	rc=\$?
	ls '$WORK/huge' >'$WORK/fail.left'
	exit \$rc"
check "a start that fails (--mbufs 1023 cannot fill two RX rings) exits 1" [ $? = 1 ]
check "... with a line naming the step" \
	grep -q '^idlecut: pair lab .*: cannot start: RX queue set-up: ' "$WORK/fail.err"
check "... and leaves no hugepage file behind" none_left fail
check "every hugepage is free again after the runs ($(free2) of $FREE1)" [ "$(free2)" = "$FREE1" ]

# 3. Free hugepages but no hugetlbfs: --no-huge, with a note.
run_ic 0 nomount
check "no hugetlbfs mounted: the pool runs without hugepages" grep -q 'mbufs (no-huge,' <(started nomount)
check "... the flow table on THP" grep -q 'flow table 100000 flows (.*, thp)' <(started nomount)
check "... and a note says why" grep -q 'free hugepages but no hugetlbfs mounted' "$WORK/nomount.err"
stop_ic

# 4. One-line errors.
bad() { # bad RC PATTERN [args...]: idlecut exits RC with one line matching PATTERN
	local rc=$1 pat=$2
	shift 2
	"$IDLECUT" --file-prefix "${ID}bad" -- "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
	local got=$?
	[ "$got" = "$rc" ] && [ "$(wc -l <"$WORK/bad.err")" = 1 ] && grep -q -- "$pat" "$WORK/bad.err" ||
		{ log "exit $got: $(cat "$WORK/bad.err")"; return 1; }
}
S=$WORK/scn.yaml
check "--mbufs 10: exit 2, one line" bad 2 "^idlecut: --mbufs: '10' is not a whole number" --scenario "$S" --mbufs 10
check "--rx-desc 0: exit 2" bad 2 "^idlecut: --rx-desc: '0' is not" --scenario "$S" --rx-desc 0
check "--tx-desc 1x: exit 2" bad 2 "^idlecut: --tx-desc: '1x' is not" --scenario "$S" --tx-desc 1x
check "--rx-desc 65536: exit 2" bad 2 "from 32 to 32768" --scenario "$S" --rx-desc 65536
cat >"$WORK/pci.yaml" <<YAML
name: pci-e2e
ports: [{name: nic, inside: {pci: "0000:7f:00.0"}, outside: {pci: "0000:7f:00.1"}}]
profiles: {p: {}}
default_profile: p
YAML
check "{pci:} ports without (mounted) hugepages: exit 1, one line saying so" \
	bad 1 "{pci:} ports need hugepages and none are free on a mounted hugetlbfs" \
	--scenario "$WORK/pci.yaml"

give_back
check "the reserved hugepages are given back ($(free2) free, $FREE0 before)" [ "$(free2)" = "$FREE0" ]
finish
