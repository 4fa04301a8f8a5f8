#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A real Prometheus (Debian's prometheus, listening on 127.0.0.1 inside idlecut's
# namespace, temporary storage, 1 s scrapes of idlecut's --metrics) and a real connection
# cut by idlecut (reset-both after 2 s idle): Prometheus' HTTP API then holds
# idlecut_rst_sent_total and idlecut_flows_expired_total equal to telemetry's and the
# /metrics scrape's; `promtool check metrics` passes on the exposition; every query of the
# shipped Grafana dashboard names a metric the live /metrics has.
. "$(dirname "$0")/lib.sh"
require prometheus promtool curl dpdk-telemetry.py

cat >"$WORK/scn.yaml" <<YAML
name: prometheus-e2e
ports: [{name: lab, inside: {tap: i0}, outside: {tap: o0}}]
profiles:
  p: {tcp: {established: 2s}, on_timeout: reset-both}
default_profile: p
YAML
BASE=$((20000 + $$ % 20000))
METRICS=127.0.0.1:$BASE
PROM=127.0.0.1:$((BASE + 1))
start_idlecut "$WORK/scn.yaml" --metrics "$METRICS"
attach_pair 0 i0 o0
C=${ID}c0 S=${ID}s0 DP=${ID}dp

cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
scrape_configs:
  - job_name: idlecut
    static_configs: [{targets: ['$METRICS']}]
YAML
promtool check config "$WORK/prometheus.yml" >"$WORK/promtool-config.log" 2>&1 ||
	{ cat "$WORK/promtool-config.log"; die "promtool rejects the test's prometheus.yml"; }
# In idlecut's namespace: its 127.0.0.1 is the only address Prometheus can see or be seen on.
ip netns exec "$DP" prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/tsdb" --web.listen-address="$PROM" \
	--storage.tsdb.retention.time=1h >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
EXTRA_PIDS+=("$PROM_PID")

# q PROMQL: the API's answer as "labels=value" lines, sorted ("" if not ready).
q() {
	nsx "$DP" curl -sf --get "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		"$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
out = []
for r in d["data"]["result"]:
    m = {k: v for k, v in r["metric"].items() if k not in ("__name__", "job", "instance")}
    out.append(",".join(f"{k}={m[k]}" for k in sorted(m)) + "=" + r["value"][1])
print("\n".join(sorted(out)))' 2>/dev/null
}
ready=0
for _ in $(seq 1 150); do
	kill -0 "$PROM_PID" 2>/dev/null || break
	[ "$(q 'up{job="idlecut"}')" = "=1" ] && { ready=1; break; }
	sleep 0.1
done
[ $ready = 1 ] || { tail -20 "$WORK/prometheus.log"; die "Prometheus did not scrape idlecut within 15 s"; }
ok "Prometheus runs on $PROM and scrapes idlecut (up == 1)"

# One connection through idlecut, then idle: cut after 2 s with an RST to each end.
nsx "$S" "$PY" "$E2E_DIR/idle_conn.py" server 198.18.0.2 8001 100000 wait 6 >"$WORK/srv" 2>&1 &
SP=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/srv" && break; sleep 0.1; done
nsx "$C" "$PY" "$E2E_DIR/idle_conn.py" client 198.18.0.2 8001 100000 wait 6 >"$WORK/cli" 2>&1
wait $SP
ev() { grep '^{' "$WORK/$1" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['event'])"; }
check "the idle connection is cut (client sees a reset)" [ "$(ev cli)" = reset ]
check "... and so does the server" [ "$(ev srv)" = reset ]

# The truth: telemetry and a /metrics scrape, after the cut (nothing else runs now).
printf '%s\n' /idlecut/stats | ip netns exec "$DP" dpdk-telemetry.py -f "$ID" 2>/dev/null \
	>"$WORK/tele.json"
TELE=$("$PY" - "$WORK/tele.json" <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]["/idlecut/stats"]
rst = d["rst_sent"]
print(",".join(f"{k}={rst[k]}" for k in ("client", "server", "stray")),
      d["flows_expired"]["p"]["established"])
PY
)
log "telemetry: rst_sent and expired established: $TELE"
check "telemetry counted one RST each way and one expiry" [ "$TELE" = "client=1,server=1,stray=0 1" ]
nsx "$DP" curl -sf "http://$METRICS/metrics" >"$WORK/metrics.txt"
check "promtool check metrics passes on idlecut's exposition" \
	promtool check metrics <"$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" 2>&1 | head -5
prom() { "$PY" "$E2E_DIR/prom_check.py" "$WORK/metrics.txt" --get "$1"; }
check "/metrics agrees with telemetry" [ "$(prom 'idlecut_rst_sent_total{to="client"}'),$(prom 'idlecut_rst_sent_total{to="server"}'),$(prom 'idlecut_flows_expired_total{profile="p",state="established"}')" = 1,1,1 ]

# Prometheus, after at least one scrape past the cut.
want_rst=$'to=client=1\nto=server=1\nto=stray=0'
got=
for _ in $(seq 1 50); do
	got=$(q 'idlecut_rst_sent_total')
	[ "$got" = "$want_rst" ] && break
	sleep 0.1
done
check "Prometheus' idlecut_rst_sent_total equals telemetry's ($(echo $got))" [ "$got" = "$want_rst" ]
got=$(q 'idlecut_flows_expired_total{profile="p",state="established"}')
check "Prometheus' idlecut_flows_expired_total{p,established} equals telemetry's ($got)" \
	[ "$got" = "profile=p,state=established=1" ]
got=$(q 'sum(idlecut_flows_expired_total)')
check "... and no other expiry is counted ($got)" [ "$got" = "=1" ]
got=$(q 'idlecut_port_link_up{port="lab/inside"}')
check "Prometheus has the NIC series too (link_up: $got)" [ -n "$got" ]

check "every query of contrib/grafana/idlecut.json names a metric the live /metrics has" \
	"$PY" "$SRC_ROOT/tests/grafana_check.py" "$SRC_ROOT/contrib/grafana/idlecut.json" \
	--exposition "$WORK/metrics.txt"

kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
EXTRA_PIDS=()
stop_idlecut
check "idlecut stops cleanly (exit 0)" [ "$IC_RC" = 0 ]
finish
