#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# dpdk-dumpcap attached to a running idlecut on hugepages: the injected RSTs are in the
# capture.
#
#   ${ID}c [tap i0] <== idlecut in ${ID}dp (hugepages) ==> [tap o0] ${ID}s
#                 dpdk-dumpcap -i inside ^  ^ dpdk-dumpcap -i outside (secondary processes)
#
# dumpcap is a DPDK secondary process: it maps the primary's memory, which a --no-huge
# primary does not share, so idlecut runs on hugepages here. The test reserves
# HUGEPAGES 2 MB pages on top of what the system has (/proc/sys/vm/nr_hugepages), mounts a
# hugetlbfs of its own in the work directory, and gives idlecut EAL memory options
# (--socket-mem, --huge-dir: with a memory option given, idlecut adds no --no-huge). At
# exit, success or not, it unmounts it (the hugepage files go with it) and takes back the
# pages it added. A real connection goes idle and is reset at its 2 s timeout; the two
# dumpcaps, one per port (RX and TX), must hold the two RSTs, each with seq = what its
# receiver last acknowledged and ack = the receiver's next sequence number, as computed
# from the connection's own frames in the same capture. The pcapng is read with scapy.
. "$(dirname "$0")/lib.sh"
require dpdk-dumpcap mount umount stdbuf

TMO=2
HUGEPAGES=${HUGEPAGES:-256} # 512 MB: idlecut's 256 MB, dumpcap's ring and pool, headroom
NR=/proc/sys/vm/nr_hugepages
[ -w "$NR" ] || die "$NR is not writable: cannot reserve hugepages"
grep -q hugetlbfs /proc/filesystems || die "the kernel has no hugetlbfs"
[ "$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)" = 2048 ] ||
	die "the default hugepage size is not 2 MB: this test reserves 2 MB pages"

# Reserve: add HUGEPAGES to the pool and give back exactly those at exit (not "restore the
# old value": someone else may have changed it meanwhile).
NR0=$(cat "$NR")
echo $((NR0 + HUGEPAGES)) >"$NR" || die "cannot write $NR"
on_cleanup 'echo $(( $(cat '"$NR"') - '"$HUGEPAGES"' < '"$NR0"' ? '"$NR0"' : $(cat '"$NR"') - '"$HUGEPAGES"' )) >'"$NR"
FREE=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
[ "$FREE" -ge "$HUGEPAGES" ] ||
	die "asked for $HUGEPAGES more 2 MB hugepages, only $FREE free (memory fragmented?)"
MNT=$WORK/huge
mkdir -p "$MNT"
mount -t hugetlbfs -o pagesize=2M nodev "$MNT" || die "cannot mount hugetlbfs on $MNT"
on_cleanup "umount '$MNT' || umount -l '$MNT'"
log "hugepages: $NR0 -> $(cat "$NR") (free $FREE), hugetlbfs on $MNT"

cat >"$WORK/scn.yaml" <<YAML
name: dumpcap-e2e
ports:
  - name: lab
    inside: {tap: i0}
    outside: {tap: o0}
flow_table: {capacity: 4096}
profiles:
  cut: {tcp: {established: ${TMO}s}, on_timeout: reset-both}
default_profile: cut
YAML
IC_EAL=(--socket-mem 256 --huge-dir "$MNT")
start_idlecut "$WORK/scn.yaml" --stats-json --events "$WORK/events.jsonl"
attach_pair 0 i0 o0
check "idlecut's memory is on hugepages (its files in $MNT)" \
	bash -c "ls '$MNT' | grep -q '^${ID}map_'"

# One dumpcap per port (Debian's 22.11 dumpcap captures only the last -i given), by
# ethdev name: idlecut names a {tap: X} port net_tap_ic<pair><i|o>. Each is a secondary
# process of idlecut's file prefix; stdout unbuffered: "Capturing on" says it attached.
DC_PIDS=()
for side in i o; do
	# Not through nsx (a shell function): $! must be dumpcap itself, to signal it.
	ip netns exec "${ID}dp" stdbuf -o0 dpdk-dumpcap --file-prefix="$ID" -i "net_tap_ic0$side" \
		-w "$WORK/cap-$side.pcapng" >"$WORK/dumpcap-$side.out" 2>&1 &
	DC_PIDS+=($!)
	EXTRA_PIDS+=($!)
	for _ in $(seq 1 100); do
		grep -q 'Capturing on' "$WORK/dumpcap-$side.out" && break
		kill -0 "${DC_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'Capturing on' "$WORK/dumpcap-$side.out" ||
		{ cat "$WORK/dumpcap-$side.out" >&2; die "dpdk-dumpcap did not attach to idlecut"; }
	ok "dpdk-dumpcap attached: $(grep -o "Capturing on '[^']*'" "$WORK/dumpcap-$side.out")"
done

C=${ID}c0 S=${ID}s0
nsx "$S" "$PY" "$E2E_DIR/idle_conn.py" server 198.18.0.2 7001 200000 wait 6 >"$WORK/conn.srv" 2>&1 &
SP=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/conn.srv" && break; sleep 0.1; done
nsx "$C" "$PY" "$E2E_DIR/idle_conn.py" client 198.18.0.2 7001 200000 wait 6 >"$WORK/conn.cli" 2>&1
wait $SP
log "client $(tail -n 1 "$WORK/conn.cli") server $(tail -n 1 "$WORK/conn.srv")"
check "client: ECONNRESET at the timeout" grep -q '"event": "reset"' "$WORK/conn.cli"
check "server: ECONNRESET at the timeout" grep -q '"event": "reset"' "$WORK/conn.srv"

# On SIGINT dumpcap detaches from idlecut and writes its statistics.
for i in 0 1; do
	kill -INT "${DC_PIDS[$i]}"
	for _ in $(seq 1 50); do kill -0 "${DC_PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "${DC_PIDS[$i]}" 2>/dev/null; then
		fail "dpdk-dumpcap did not stop within 5 s of SIGINT"
		kill -KILL "${DC_PIDS[$i]}"
	fi
	wait "${DC_PIDS[$i]}"
	check "dpdk-dumpcap $i exited cleanly" [ $? = 0 ]
done
for side in i o; do
	check "dumpcap $side: $(grep -o "Packets received/dropped.*" "$WORK/dumpcap-$side.out")" \
		grep -q "Packets received/dropped on interface 'net_tap_ic0$side': [1-9][0-9]*/0 " \
		"$WORK/dumpcap-$side.out"
done

"$PY" - "$WORK/cap-i.pcapng" "$WORK/cap-o.pcapng" >"$WORK/check.out" 2>&1 <<'PY'
import sys
from scapy.all import IP, TCP, rdpcap

CLIENT, SERVER, PORT = "198.18.0.1", "198.18.0.2", 7001
# [inside, outside]: the connection's frames are in both (received on one port, sent on the
# other); an injected RST only in the capture of the port it left by.
caps = [[p for p in rdpcap(f) if TCP in p and PORT in (p[TCP].sport, p[TCP].dport)]
        for f in sys.argv[1:3]]
print("info: %d and %d frames of the connection in the captures" % tuple(map(len, caps)))
fails = 0


def check(what, cond):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond


def seg_end(p):
    """Sequence number after the segment (payload from the IP length: frames are padded)."""
    t = p[TCP]
    n = p[IP].len - 4 * p[IP].ihl - 4 * t.dataofs
    return (t.seq + n + bool(t.flags.S) + bool(t.flags.F)) & 0xFFFFFFFF


def after(a, b):  # a later than b in sequence space
    return 0 < ((a - b) & 0xFFFFFFFF) < 0x80000000


data = [p for p in caps[0] if not p[TCP].flags.R]
check("the inside capture holds the connection (over 100 frames, from its SYN)",
      len(data) > 100 and data[0][TCP].flags == "S")
for to, port, other in ((CLIENT, 0, 1), (SERVER, 1, 0)):
    who = "client" if to == CLIENT else "server"
    rst = [p for p in caps[port] if p[TCP].flags.R and p[IP].dst == to]
    check("one RST to the %s in the %s capture (got %d)"
          % (who, ("inside", "outside")[port], len(rst)), len(rst) == 1)
    check("no RST to the %s in the other capture" % who,
          not any(p[TCP].flags.R and p[IP].dst == to for p in caps[other]))
    # What the receiver last acknowledged and its next sequence number, from its frames.
    sent = [p for p in data if p[IP].src == to]
    last_ack, nxt = sent[-1][TCP].ack, seg_end(sent[0])
    for p in sent:
        if after(seg_end(p), nxt):
            nxt = seg_end(p)
    for p in rst[:1]:
        t = p[TCP]
        check("RST to the %s: seq %u ack %u, want %u %u" % (who, t.seq, t.ack, last_ack, nxt),
              (t.seq, t.ack) == (last_ack, nxt))
        check("RST to the %s: from its peer's address and port" % who,
              p[IP].src == (SERVER if to == CLIENT else CLIENT)
              and t.sport == sent[-1][TCP].dport)
sys.exit(1 if fails else 0)
PY
while IFS= read -r line; do
	case $line in
	ok:*) ok "${line#ok: }" ;;
	FAIL:*) fail "${line#FAIL: }" ;;
	*) log "$line" ;;
	esac
done <"$WORK/check.out"
grep -q '^ok: RST' "$WORK/check.out" || fail "the pcapng check ran no RST check (see $WORK/check.out)"

stop_idlecut
check "idlecut stopped cleanly" [ "$IC_RC" = 0 ]
check "counters: one RST to each end" \
	[ "$(jget '(j["rst_sent"]["client"], j["rst_sent"]["server"], j["rst_failed"])')" = "(1, 1, 0)" ]
finish
